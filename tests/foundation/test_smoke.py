"""Given the demo-shaped world, a user logs in over real HTTP and reads `me`."""

from __future__ import annotations

from tests.support import GraphQLClient, SchoolWorld

ME = "{ me { email role status school { name timeZone currency } } }"


async def test_login_then_me(gql: GraphQLClient, world: SchoolWorld) -> None:
    token = await gql.login(world.admin.email)

    data = await gql.data(ME, token=token)

    assert data["me"]["email"] == world.admin.email
    assert data["me"]["role"] == "SCHOOL_ADMIN"
    assert data["me"]["school"]["timeZone"] == "Europe/London"


async def test_me_is_null_without_a_token(gql: GraphQLClient) -> None:
    assert (await gql.data(ME))["me"] is None
