"""The fuzz's bookkeeping (tests/review/rewind.py) can fail: it notices what a request
committed, tells a real change from none, and puts the tables back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.accounts import User
from resolvers.context import AppState
from tests.review.rewind import TABLES, Rewind
from tests.support import GraphQLClient, SchoolWorld

RENAME = """
mutation Rename($input: UpdateMyAccountInput!) {
  updateMyAccount(input: $input) { user { firstName } errors { code field } }
}
"""


async def _first_name(state: AppState, world: SchoolWorld) -> str:
    async with state.db.session() as session:
        name = await session.scalar(select(User.first_name).where(User.id == world.student.id))
    assert name is not None
    return name


# None: as the fuzz runs it (trigger-free rewrites when a superuser); False: the refill
# of every table it falls back to otherwise.
@pytest.mark.parametrize("superuser", [None, False], ids=["as-installed", "refill-all"])
async def test_a_committed_change_is_noticed_and_put_back(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, superuser: bool | None
) -> None:
    # Given a snapshot taken with the student logged in
    token = await gql.login(world.student.email)
    rewind = Rewind(state, superuser=superuser)
    await rewind.install()
    try:
        # When the student renames themselves
        data = await gql.data(RENAME, {"input": {"firstName": "Renamed"}}, token=token)
        assert data["updateMyAccount"]["errors"] == []

        # Then the users table is noted and differs from the snapshot by one row each way
        written = await rewind.dirty()
        assert "users" in written
        assert (await rewind.changed(written))["users"] == 2

        # And restoring puts the name back and clears the notes
        await rewind.restore(written)
        assert await _first_name(state, world) == world.student.first_name
        assert await rewind.dirty() == []
        assert await rewind.changed(TABLES) == {}
    finally:
        await rewind.uninstall()


async def test_a_refused_request_leaves_no_note(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a snapshot taken with the student logged in
    token = await gql.login(world.student.email)
    rewind = Rewind(state)
    await rewind.install()
    try:
        # When the student sends a name the service refuses (so its transaction rolls back)
        data = await gql.data(RENAME, {"input": {"firstName": "x" * 1_000}}, token=token)
        assert data["updateMyAccount"]["errors"] != []

        # Then nothing was noted, and nothing differs
        assert await rewind.dirty() == []
        assert await rewind.changed(TABLES) == {}
    finally:
        await rewind.uninstall()
