"""Series over the real WebSocket: their lessons arrive in the instructor's diary and the
student's feed like any others, both parties hear of a date that could not be booked,
nobody else hears anything, and a reconnecting client gets what it missed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import RunningServer
from tests.scheduling.helpers import book, local
from tests.series.helpers import CREATE, create_input, today, year_diary
from tests.support import Factory, GraphQLClient, WSClient, gid
from tests.websocket.helpers import connect, subscribe_live

DIARY = """
subscription Diary($instructorId: ID!, $after: String) {
  instructorDiary(instructorId: $instructorId, after: $after) {
    eventId change booking { id status series { id } }
  }
}
"""

SERIES_CHANGED = """
subscription SeriesChanged($after: String) {
  myLessonSeriesChanged(after: $after) {
    eventId change series { id status } occurrence { occursOn conflict { code } }
  }
}
"""


async def _listen(
    server: RunningServer, gql: GraphQLClient, email: str, query: str, **variables: Any
) -> tuple[WSClient, str]:
    ws = await connect(server.ws_url, await gql.login(email))
    return ws, await subscribe_live(ws, server.state, query, **variables)


async def test_series_lessons_arrive_in_the_diary_and_conflicts_reach_both_parties_only(
    server: RunningServer, gql: GraphQLClient, factory: Factory
) -> None:
    # Given a date of the coming series already taken, and the instructor, the student
    # and another student all listening
    diary = await year_diary(factory)
    world = diary.world
    start = today() + timedelta(days=3)
    await factory.assign(world.other_student, world.instructor, assignment_type="secondary")
    await book(
        server.state,
        diary.admin_actor,
        diary,
        local(start + timedelta(weeks=1), 17),
        student=world.other_student,
    )
    instructor_id = gid("User", world.instructor.id)
    in_diary, diary_op = await _listen(
        server, gql, world.instructor.email, DIARY, instructorId=instructor_id
    )
    listeners = {
        who: await _listen(server, gql, email, SERIES_CHANGED)
        for who, email in (
            ("student", world.student.email),
            ("instructor", world.instructor.email),
            ("outsider", world.other_student.email),
        )
    }

    # When an admin creates a weekly series of three over it
    admin = await gql.login(world.admin.email)
    made = await gql.data(CREATE, {"input": create_input(diary, start, horizon=3)}, token=admin)
    series_id = made["createLessonSeries"]["series"]["id"]

    # Then the diary shows the two lessons booked, each carrying its series
    created = [(await in_diary.next_data(diary_op))["data"]["instructorDiary"] for _ in range(2)]
    assert [e["change"] for e in created] == ["CREATED", "CREATED"]
    assert {e["booking"]["series"]["id"] for e in created} == {series_id}
    # And the student and the instructor hear of the series and of its conflict
    heard: dict[str, list[dict[str, Any]]] = {}
    for who in ("student", "instructor"):
        ws, op_id = listeners[who]
        heard[who] = [
            (await ws.next_data(op_id))["data"]["myLessonSeriesChanged"] for _ in range(2)
        ]
        events = heard[who]
        assert [e["change"] for e in events] == ["CREATED", "CONFLICT"]
        assert events[1]["occurrence"] == {
            "occursOn": (start + timedelta(weeks=1)).isoformat(),
            "conflict": {"code": "SLOT_UNAVAILABLE"},
        }
        assert {e["series"]["id"] for e in events} == {series_id}
    # And the other student hears nothing
    outsider, _ = listeners["outsider"]
    await outsider.expect_silence()

    # And the student, reconnecting after the first event, receives the conflict again
    replay = await connect(server.ws_url, await gql.login(world.student.email))
    replay_op = await replay.subscribe(SERIES_CHANGED, {"after": heard["student"][0]["eventId"]})
    replayed = (await replay.next_data(replay_op))["data"]["myLessonSeriesChanged"]
    assert replayed["eventId"] == heard["student"][1]["eventId"]
    assert replayed["change"] == "CONFLICT"
    for ws in (replay, in_diary, *(ws for ws, _ in listeners.values())):
        await ws.close()
