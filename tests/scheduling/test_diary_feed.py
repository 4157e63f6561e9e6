"""The live diary over the real graphql-transport-ws protocol: an instructor sees every
change other people make to their diary, in order; a reconnect with the last event id
replays what was missed; a student never receives another student's events; nobody
outside the diary may subscribe to it."""

from __future__ import annotations

from typing import Any

from resolvers.context import AppState
from tests.conftest import RunningServer
from tests.scheduling.helpers import BOOK, days_ahead, iso, local, make_diary
from tests.support import GraphQLClient, WSClient, gid
from tests.websocket.helpers import connect, subscribe_live

DIARY = """
subscription Diary($instructorId: ID!, $after: String) {
  instructorDiary(instructorId: $instructorId, after: $after) {
    eventId change
    booking { id status startsAt student { id } }
    historyEntry { kind fromStartsAt toStartsAt actor { id } }
  }
}
"""

MY_BOOKINGS = """
subscription Mine($after: String) {
  myBookings(after: $after) { eventId change booking { id student { id } } }
}
"""

BOOKING_UPDATED = """
subscription One($id: ID!) { bookingUpdated(id: $id) { eventId change booking { id status } } }
"""

MOVE = """
mutation Move($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) { booking { id startsAt } errors { code } }
}
"""

CANCEL = """
mutation Cancel($input: CancelBookingInput!) {
  cancelBooking(input: $input) { booking { id status } errors { code } }
}
"""


def event(payload: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in payload, payload
    return payload["data"][field]  # type: ignore[no-any-return]


async def test_an_instructor_sees_a_booking_created_moved_and_cancelled_by_others_in_order(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    # Given an instructor watching their diary
    from tests.support import Factory

    diary = await make_diary(Factory(state))
    instructor = gid("User", diary.world.instructor.id)
    ws = await connect(server.ws_url, await gql.login(diary.world.instructor.email))
    op = await subscribe_live(ws, state, DIARY, instructorId=instructor)

    # When the student books, the student moves it and an admin cancels it
    student = await gql.login(diary.world.student.email)
    admin = await gql.login(diary.world.admin.email)
    day = days_ahead(5)
    booked = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(day, 10))}}, token=student
    )
    booking_id = booked["bookLesson"]["booking"]["id"]
    moved = await gql.data(
        MOVE, {"input": {"bookingId": booking_id, "startsAt": iso(local(day, 14))}}, token=student
    )
    cancelled = await gql.data(
        CANCEL, {"input": {"bookingId": booking_id, "reason": "Car in the garage"}}, token=admin
    )
    assert moved["rescheduleBooking"]["errors"] == []
    assert cancelled["cancelBooking"]["errors"] == []

    # Then the three changes arrive in order, each with its history entry
    events = [event(await ws.next_data(op), "instructorDiary") for _ in range(3)]
    assert [e["change"] for e in events] == ["CREATED", "MOVED", "CANCELLED"]
    assert {e["booking"]["id"] for e in events} == {booking_id}
    assert events[1]["historyEntry"]["fromStartsAt"] == events[0]["historyEntry"]["toStartsAt"]
    assert events[1]["historyEntry"]["actor"]["id"] == gid("User", diary.world.student.id)
    assert events[2]["booking"]["status"] == "CANCELLED"
    ids = [int(e["eventId"]) for e in events]
    assert ids == sorted(ids)
    await ws.expect_silence(0.3)
    await ws.close()


async def test_reconnecting_with_the_last_event_id_replays_what_was_missed(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    from tests.support import Factory

    diary = await make_diary(Factory(state))
    instructor = gid("User", diary.world.instructor.id)
    instructor_token = await gql.login(diary.world.instructor.email)
    admin = await gql.login(diary.world.admin.email)
    day = days_ahead(6)

    # Given the instructor saw the first booking, then lost the connection
    ws = await connect(server.ws_url, instructor_token)
    op = await subscribe_live(ws, state, DIARY, instructorId=instructor)
    first = await gql.data(
        BOOK,
        {"input": {**diary.ids(student=diary.world.student), "startsAt": iso(local(day, 9))}},
        token=admin,
    )
    seen = event(await ws.next_data(op), "instructorDiary")
    await ws.close()

    # When two more bookings are made while they are away, and they come back with `after`
    missed = []
    for hour in (11, 13):
        body = await gql.data(
            BOOK,
            {
                "input": {
                    **diary.ids(student=diary.world.student),
                    "startsAt": iso(local(day, hour)),
                }
            },
            token=admin,
        )
        missed.append(body["bookLesson"]["booking"]["id"])
    again = await connect(server.ws_url, instructor_token)
    op = await again.subscribe(DIARY, {"instructorId": instructor, "after": seen["eventId"]})

    # Then exactly the two missed events are replayed, in order, and live ones follow
    replayed = [event(await again.next_data(op), "instructorDiary") for _ in range(2)]
    assert [e["booking"]["id"] for e in replayed] == missed
    assert seen["booking"]["id"] == first["bookLesson"]["booking"]["id"]
    live = await gql.data(
        BOOK,
        {"input": {**diary.ids(student=diary.world.student), "startsAt": iso(local(day, 15))}},
        token=admin,
    )
    arrived = event(await again.next_data(op), "instructorDiary")
    assert arrived["booking"]["id"] == live["bookLesson"]["booking"]["id"]
    await again.close()


async def test_a_student_never_receives_another_students_events(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    from tests.support import Factory

    diary = await make_diary(Factory(state))
    await Factory(state).assign(
        diary.world.other_student, diary.world.instructor, assignment_type="secondary", priority=2
    )
    other = await connect(server.ws_url, await gql.login(diary.world.other_student.email))
    await subscribe_live(other, state, MY_BOOKINGS)
    mine = await connect(server.ws_url, await gql.login(diary.world.student.email))
    mine_op = await subscribe_live(mine, state, MY_BOOKINGS)

    token = await gql.login(diary.world.student.email)
    booked = await gql.data(
        BOOK, {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(4), 10))}}, token=token
    )

    received = event(await mine.next_data(mine_op), "myBookings")
    assert received["booking"]["id"] == booked["bookLesson"]["booking"]["id"]
    await other.expect_silence(0.7)
    await mine.close()
    await other.close()


async def test_only_the_instructor_and_admins_may_watch_a_diary(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    from tests.support import Factory

    diary = await make_diary(Factory(state))
    foreign = await make_diary(Factory(state))
    instructor = gid("User", diary.world.instructor.id)
    for email in (
        diary.world.student.email,
        diary.world.other_instructor.email,
        foreign.world.admin.email,
    ):
        ws = await WSClient.connect(server.ws_url, {"token": await gql.login(email)})
        op = await ws.subscribe(DIARY, {"instructorId": instructor})
        refusal = await ws.receive()
        assert refusal["id"] == op
        assert refusal["type"] == "next", refusal
        assert refusal["payload"]["data"] is None
        assert refusal["payload"]["errors"][0]["extensions"]["reason"] == "INSTRUCTOR_NOT_FOUND"
        assert await ws.receive() == {"id": op, "type": "complete"}
        await ws.close()


async def test_booking_updated_follows_one_booking_and_its_parties_only(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    from tests.support import Factory

    diary = await make_diary(Factory(state))
    admin = await gql.login(diary.world.admin.email)
    booked = await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(student=diary.world.student),
                "startsAt": iso(local(days_ahead(4), 10)),
            }
        },
        token=admin,
    )
    booking_id = booked["bookLesson"]["booking"]["id"]
    ws = await connect(server.ws_url, await gql.login(diary.world.student.email))
    op = await subscribe_live(ws, state, BOOKING_UPDATED, id=booking_id)
    outsider = await WSClient.connect(
        server.ws_url, {"token": await gql.login(diary.world.other_student.email)}
    )
    outsider_op = await outsider.subscribe(BOOKING_UPDATED, {"id": booking_id})
    refusal = await outsider.receive()

    await gql.data(CANCEL, {"input": {"bookingId": booking_id}}, token=admin)

    arrived = event(await ws.next_data(op), "bookingUpdated")
    assert arrived["change"] == "CANCELLED"
    assert arrived["booking"]["status"] == "CANCELLED"
    assert refusal["id"] == outsider_op
    assert refusal["payload"]["data"] is None
    assert refusal["payload"]["errors"][0]["extensions"]["reason"] == "NOT_FOUND"
    await ws.close()
    await outsider.close()
