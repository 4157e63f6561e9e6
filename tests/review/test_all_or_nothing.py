"""SPEC §0, never half a change: a multi-step mutation refused after its first steps were
written (and flushed) leaves nothing behind — its unit of work is one transaction, and a
refusal rolls all of it back. The input fuzz proves this for one bad value at a time;
these tests reach the later steps, which one bad value alone cannot."""

from __future__ import annotations

from datetime import timedelta

from resolvers.context import AppState
from tests.series.helpers import CREATE, UPDATE, create_input, today, year_diary
from tests.support import Factory, GraphQLClient
from tests.tenancy.dbstate import all_rows

AUTH_TABLES = ("login_attempts", "auth_sessions", "refresh_tokens", "audit_log")


async def test_a_this_and_following_change_refused_after_the_split_changes_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a weekly series of four lessons, made by an admin
    diary = await year_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    made = await gql.data(
        CREATE, {"input": create_input(diary, today() + timedelta(days=3))}, token=admin
    )
    series = made["createLessonSeries"]["series"]
    third = series["occurrences"][2]
    before = await all_rows(state, ignore=AUTH_TABLES)

    # When the admin moves the third and later lessons to 18:00 and asks for an impossible
    # horizon: the series is split (the old one ends, a successor is written) before the
    # successor's rule is checked
    data = await gql.data(
        UPDATE,
        {
            "input": {
                "seriesId": series["id"],
                "scope": "THIS_AND_FOLLOWING",
                "occurrenceId": third["id"],
                "localTime": "18:00:00",
                "horizon": 0,
            }
        },
        token=admin,
    )

    # Then the change is refused on the horizon, and neither the split, the moved lessons
    # nor any event is left behind
    payload = data["updateLessonSeries"]
    assert payload["series"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "horizon")]
    assert await all_rows(state, ignore=AUTH_TABLES) == before
