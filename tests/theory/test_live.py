"""`myTheoryProgress`: a student's own progress is pushed when one of their tests is
finalised — submitted, or expired and closed by the server — and only to them; a client
that reconnects with its last event id receives what it missed; answering pushes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resolvers.context import AppState
from schema.common.node import parse_global_id
from services.theory import expiry
from services.theory.clock import utcnow
from services.uow import unit_of_work
from tests.conftest import RunningServer
from tests.support import GraphQLClient, SchoolWorld, WSClient
from tests.theory.helpers import answer_with_score, bank, load_bank, start_test, submit
from tests.websocket.helpers import connect, subscribe_live

FEED = """
subscription Progress($after: String) {
  myTheoryProgress(after: $after) {
    eventId change
    progress { questionsAttempted mockTests { taken lastScore } readiness { level } student { email } }
    mockTest { id status result { score passed } }
    hazardTest { id }
  }
}
"""


def _event(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    return payload["data"]["myTheoryProgress"]  # type: ignore[no-any-return]


async def _listen(server: RunningServer, gql: GraphQLClient, email: str) -> tuple[WSClient, str]:
    ws = await connect(server.ws_url, await gql.login(email))
    return ws, await subscribe_live(ws, server.state, FEED)


async def test_submitting_a_test_pushes_the_students_progress_to_them_only(
    server: RunningServer,
    gql: GraphQLClient,
    state: AppState,
    world: SchoolWorld,
    other_world: SchoolWorld,
) -> None:
    # Given a student half way through a test, listening, and others listening too
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    ws, op = await _listen(server, gql, world.student.email)
    others = [
        await _listen(server, gql, email)
        for email in (
            world.other_student.email,
            world.instructor.email,
            world.admin.email,
            other_world.student.email,
        )
    ]

    # When they answer (nothing is pushed), then submit
    await answer_with_score(gql, token, state, {**test, "questions": test["questions"][:45]}, 44)
    await ws.expect_silence(0.3)
    await submit(gql, token, test["id"])

    # Then the student receives their progress with the finished test
    event = _event(await ws.next_data(op))
    assert event["change"] == "MOCK_TEST_FINALISED"
    assert event["mockTest"] == {
        "id": test["id"],
        "status": "SUBMITTED",
        "result": {"score": 44, "passed": True},
    }
    assert event["progress"]["questionsAttempted"] == 45
    assert event["progress"]["mockTests"] == {"taken": 1, "lastScore": 44}
    assert event["progress"]["student"]["email"] == world.student.email
    assert event["hazardTest"] is None
    # And nobody else is told
    for other, _ in others:
        await other.expect_silence(0.2)
        await other.close()
    await ws.expect_silence(0.3)
    await ws.close()


async def test_a_test_expiring_unattended_is_pushed_when_the_server_closes_it(
    server: RunningServer, gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    test = await start_test(gql, await gql.login(world.student.email))
    ws, op = await _listen(server, gql, world.student.email)

    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        closed = await expiry.finalise_expired(uow, utcnow() + timedelta(minutes=58))

    assert closed == 1
    event = _event(await ws.next_data(op))
    assert event["mockTest"]["id"] == test["id"]
    assert event["mockTest"]["status"] == "EXPIRED"
    assert event["progress"]["mockTests"]["taken"] == 1
    await ws.close()


async def test_reconnecting_with_the_last_event_id_replays_what_was_missed(
    server: RunningServer, gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a student who saw the first of their tests finish, then went away
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    ws, op = await _listen(server, gql, world.student.email)
    first = await start_test(gql, token)
    await submit(gql, token, first["id"])
    seen = _event(await ws.next_data(op))["eventId"]
    await ws.close()

    # When two more tests finish while they are away
    missed = []
    for _ in range(2):
        test = await start_test(gql, token)
        await submit(gql, token, test["id"])
        missed.append(test["id"])

    # Then resuming from the last event id replays exactly those two, in order
    again = await connect(server.ws_url, token)
    op = await again.subscribe(FEED, {"after": seen})
    replayed = [_event(await again.next_data(op)) for _ in range(2)]
    assert [e["mockTest"]["id"] for e in replayed] == missed
    assert [e["progress"]["mockTests"]["taken"] for e in replayed] == [3, 3]  # as it is now
    assert all(int(e["eventId"]) > int(seen) for e in replayed)
    await again.expect_silence(0.3)
    await again.close()


async def test_another_students_events_are_not_replayed(
    server: RunningServer, gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    mine = await gql.login(world.student.email)
    ws, op = await _listen(server, gql, world.student.email)
    test = await start_test(gql, mine)
    await submit(gql, mine, test["id"])
    seen = _event(await ws.next_data(op))["eventId"]
    await ws.close()
    theirs = await gql.login(world.other_student.email)
    other_test = await start_test(gql, theirs)
    await submit(gql, theirs, other_test["id"])
    assert parse_global_id(other_test["id"]) is not None

    again = await connect(server.ws_url, mine)
    await again.subscribe(FEED, {"after": seen})

    await again.expect_silence(0.5)
    await again.close()
