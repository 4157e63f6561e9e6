"""Keyset pagination (ARCHITECTURE.md, GraphQL conventions): `first` is 1 to 100, cursors are
opaque, pages neither repeat nor skip rows, and a bad page request is BAD_USER_INPUT."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from models.accounts import User
from resolvers.context import AppState
from services.actor import Role
from tests.support import Factory, GraphQLClient, SchoolWorld, gid

USERS_PAGE = """
query Page($first: Int!, $after: String) {
  users(first: $first, after: $after) {
    edges { cursor node { id email } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ASSIGNMENTS_PAGE = """
query Page($first: Int!, $after: String) {
  assignments(first: $first, after: $after) { edges { node { id } } }
}
"""

SCHOOLS_PAGE = """
query Page($first: Int!, $after: String) {
  schools(first: $first, after: $after) { edges { node { id } } }
}
"""


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


async def _school_of_25(factory: Factory, world: SchoolWorld) -> None:
    """The world's 6 users plus 19 more students: 25 in all."""
    for _ in range(19):
        await factory.user(world.school, Role.STUDENT)


async def test_pages_through_25_users_in_order_without_gaps_or_repeats(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld
) -> None:
    # Given a school of 25 users and its admin
    await _school_of_25(factory, world)
    token = await gql.login(world.admin.email)

    # When the admin pages through users seven at a time
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        data = await gql.data(USERS_PAGE, {"first": 7, "after": after}, token=token)
        page = data["users"]
        pages.append(page)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then the pages hold 7, 7, 7 and 4 users: every user once, oldest first
    assert [len(p["edges"]) for p in pages] == [7, 7, 7, 4]
    async with state.db.session() as session:
        expected = list(
            await session.scalars(
                select(User.id)
                .where(User.school_id == world.school.id)
                .order_by(User.created_at, User.id)
            )
        )
    assert seen == [gid("User", pk) for pk in expected]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_rows_added_while_paging_do_not_shift_pages(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given the admin has read the first page of users
    token = await gql.login(world.admin.email)
    first = (await gql.data(USERS_PAGE, {"first": 3}, token=token))["users"]

    # When a new user joins before the next page is read
    late = await factory.user(world.school, Role.STUDENT)
    rest = (
        await gql.data(
            USERS_PAGE, {"first": 100, "after": first["pageInfo"]["endCursor"]}, token=token
        )
    )["users"]

    # Then the next page starts exactly after the first and the newcomer comes last
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert len(ids) == len(set(ids)) == 7
    assert ids[-1] == gid("User", late.id)


CONNECTIONS = {"users": USERS_PAGE, "assignments": ASSIGNMENTS_PAGE, "schools": SCHOOLS_PAGE}


@pytest.mark.parametrize("connection", CONNECTIONS)
async def test_page_sizes_outside_1_to_100_are_bad_user_input(
    gql: GraphQLClient, factory: Factory, connection: str
) -> None:
    # Given a platform admin, who may read every connection
    token = await gql.login((await factory.platform_admin()).email)

    for first in (0, -1, 101, 2_147_483_647):
        # When they ask for a page size outside 1 to 100
        response = await gql.post(CONNECTIONS[connection], {"first": first}, token=token)

        # Then it is a field error BAD_USER_INPUT that states the range
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], first
        assert "between 1 and 100" in body["errors"][0]["message"]

    # And the limits themselves are fine
    for first in (1, 100):
        assert (
            "errors"
            not in (await gql.post(CONNECTIONS[connection], {"first": first}, token=token)).json()
        )


GARBAGE_CURSORS = [
    "garbage!!",
    "nope",
    "x" * 5000,
    _b64([1, 2]),
    _b64({"a": 1}),
    _b64(42),
    _b64(["2024-01-01T00:00:00+00:00"]),
    _b64(["2024-01-01T00:00:00+00:00", 5]),
    _b64(["2024-01-01T00:00:00+00:00", "not-a-uuid"]),
    _b64(["not a date", str(uuid.uuid4())]),
    _b64([["2024-01-01"], str(uuid.uuid4())]),
    _b64(["2024-01-01T00:00:00", str(uuid.uuid4())]),  # naive: never one of ours
    _b64(["9999-12-31T23:59:59-14:00", str(uuid.uuid4())]),  # beyond year 9999 in UTC
    _b64(["2024-01-01T00:00:00+00:00", str(uuid.uuid4()), "extra"]),
    "VXNlcjox",  # a global ID, not a cursor
    "\x00\x01",
    "é✓",
]


@pytest.mark.parametrize("connection", CONNECTIONS)
async def test_a_garbage_cursor_is_bad_user_input(
    gql: GraphQLClient, factory: Factory, connection: str
) -> None:
    # Given a platform admin
    token = await gql.login((await factory.platform_admin()).email)

    for cursor in GARBAGE_CURSORS:
        # When they page from a cursor the server never issued
        response = await gql.post(
            CONNECTIONS[connection], {"first": 5, "after": cursor}, token=token
        )

        # Then it is BAD_USER_INPUT, never an internal error
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] is None, cursor
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], cursor
        assert body["errors"][0]["message"] == "The `after` cursor is not valid."
