"""`myAssignmentsChanged`: the parties to an assignment are told live, in order, of every
change an admin makes to it; nobody else is; a client that reconnects with its last
event id receives exactly what it missed; a rolled-back change announces nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from models.events import OutboxEvent
from tests.conftest import RunningServer
from tests.support import GraphQLClient, SchoolWorld, WSClient, gid
from tests.websocket.helpers import (
    ASSIGNMENTS_CHANGED,
    assign,
    connect,
    end,
    event_of,
    subscribe_live,
    update_priority,
)


async def _listen(
    server: RunningServer, gql: GraphQLClient, email: str, **variables: Any
) -> tuple[WSClient, str]:
    ws = await connect(server.ws_url, await gql.login(email))
    return ws, await subscribe_live(ws, server.state, **variables)


async def _outbox_size(server: RunningServer) -> int:
    async with server.state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


async def test_student_and_instructor_receive_created_updated_ended_in_order(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given the student and the instructor about to be assigned, both subscribed
    admin = await gql.login(world.admin.email)
    student, student_op = await _listen(server, gql, world.student.email)
    instructor, instructor_op = await _listen(server, gql, world.other_instructor.email)

    # when an admin assigns, updates and ends an assignment between them
    created = await assign(gql, admin, world.student.id, world.other_instructor.id)
    assignment_id = created["assignment"]["id"]
    assert (await update_priority(gql, admin, assignment_id, 7))["errors"] == []
    assert (await end(gql, admin, assignment_id))["errors"] == []

    # then each receives the three changes in order, the assignment as it was re-read
    for ws, op_id in ((student, student_op), (instructor, instructor_op)):
        events = [event_of(await ws.next_data(op_id)) for _ in range(3)]
        assert [e["change"] for e in events] == ["CREATED", "UPDATED", "ENDED"]
        ids = [int(e["eventId"]) for e in events]
        assert ids == sorted(ids)
        assert len(set(ids)) == 3
        assert {e["assignment"]["id"] for e in events} == {assignment_id}
        assert events[-1]["assignment"]["status"] == "ENDED"
        assert events[0]["assignment"]["student"]["id"] == gid("User", world.student.id)
        assert events[0]["assignment"]["instructor"]["id"] == gid("User", world.other_instructor.id)
        await ws.expect_silence(0.3)
    await student.close()
    await instructor.close()


async def test_each_subscriber_sees_the_assignment_as_its_own_role_may(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    admin = await gql.login(world.admin.email)
    student, student_op = await _listen(server, gql, world.student.email)
    instructor, instructor_op = await _listen(server, gql, world.instructor.email)

    await gql.data(
        "mutation($input: UpdateAssignmentInput!) { updateAssignment(input: $input) "
        "{ errors { code } } }",
        {"input": {"assignmentId": gid("Assignment", world.assignment.id), "notes": "Nervous"}},
        token=admin,
    )

    # notes are for admins and the instructor only: re-read per subscriber, not broadcast
    assert event_of(await student.next_data(student_op))["assignment"]["notes"] is None
    assert event_of(await instructor.next_data(instructor_op))["assignment"]["notes"] == "Nervous"
    await student.close()
    await instructor.close()


async def test_nobody_else_in_the_school_or_in_another_school_is_told(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld
) -> None:
    # given everyone who is not a party to the change subscribed
    admin = await gql.login(world.admin.email)
    bystanders = [
        await _listen(server, gql, email)
        for email in (
            world.other_student.email,
            world.instructor.email,
            other_world.student.email,
            other_world.instructor.email,
            other_world.other_instructor.email,
            other_world.admin.email,
        )
    ]
    party, party_op = await _listen(server, gql, world.student.email)

    # when an admin assigns world.student to world.other_instructor
    await assign(gql, admin, world.student.id, world.other_instructor.id)

    # then the party is told (so the event did flow) and the bystanders hear nothing
    assert event_of(await party.next_data(party_op))["change"] == "CREATED"
    for ws, _ in bystanders:
        await ws.expect_silence(0.2)
        await ws.close()
    await party.close()


async def test_reconnecting_with_the_last_event_id_replays_exactly_what_was_missed(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given a student who saw the creation of an assignment, then disconnected
    admin = await gql.login(world.admin.email)
    token = await gql.login(world.student.email)
    first = await connect(server.ws_url, token)
    op_id = await subscribe_live(first, server.state)
    created = await assign(gql, admin, world.student.id, world.other_instructor.id)
    assignment_id = created["assignment"]["id"]
    last_seen = event_of(await first.next_data(op_id))["eventId"]
    await first.close()

    # when the admin changes the assignment twice while the student is away
    await update_priority(gql, admin, assignment_id, 9)
    await end(gql, admin, assignment_id)

    # then reconnecting with `after` replays those two and nothing before them
    again = await connect(server.ws_url, token)
    op_id = await again.subscribe(ASSIGNMENTS_CHANGED, {"after": last_seen})
    missed = [event_of(await again.next_data(op_id)) for _ in range(2)]
    assert [e["change"] for e in missed] == ["UPDATED", "ENDED"]
    assert all(int(e["eventId"]) > int(last_seen) for e in missed)
    await again.expect_silence(0.4)

    # and live events follow the replay without duplicates
    recreated = await assign(gql, admin, world.student.id, world.other_instructor.id)
    live = event_of(await again.next_data(op_id))
    assert live["change"] == "CREATED"
    assert live["assignment"]["id"] == recreated["assignment"]["id"]
    assert int(live["eventId"]) > int(missed[-1]["eventId"])
    await again.expect_silence(0.3)
    await again.close()


async def test_replay_includes_only_events_of_the_subscriber(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given a student's last event, then changes to someone else's assignment
    admin = await gql.login(world.admin.email)
    ws, op_id = await _listen(server, gql, world.student.email)
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 3)
    last_seen = event_of(await ws.next_data(op_id))["eventId"]
    await ws.close()
    await assign(gql, admin, world.other_student.id, world.instructor.id)

    # when the student resumes from it
    again = await connect(server.ws_url, await gql.login(world.student.email))
    op_id = await again.subscribe(ASSIGNMENTS_CHANGED, {"after": last_seen})

    # then nothing is replayed: the other student's assignment is not theirs
    await again.expect_silence(0.5)
    await again.close()


async def test_an_unusable_after_gets_an_error_on_the_subscription_not_a_crash(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    latest = await _latest_event_id(server)

    # letters, signs, exponents, too many digits, superscript and Arabic-Indic digits
    # (str.isdigit() accepts both), and an id no event has had yet
    for after in ("abc", "-1", "1e3", "9" * 40, "\u00b2", "\u0661\u0662", str(latest + 1000)):
        op_id = await ws.subscribe(ASSIGNMENTS_CHANGED, {"after": after})
        error = await ws.receive()
        assert error["id"] == op_id
        assert error["type"] == "next", error
        assert error["payload"]["data"] is None
        assert [e["message"] for e in error["payload"]["errors"]] == [
            "`after` must be an event id you received."
        ]
        assert error["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert await ws.receive() == {"id": op_id, "type": "complete"}

    # the socket is still good for a valid subscription
    admin = await gql.login(world.admin.email)
    op_id = await subscribe_live(ws, server.state)
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 4)
    assert event_of(await ws.next_data(op_id))["change"] == "UPDATED"
    await ws.close()


async def _latest_event_id(server: RunningServer) -> int:
    async with server.state.db.session() as session:
        return int(await session.scalar(select(func.max(OutboxEvent.id))) or 0)


async def test_a_rolled_back_assignment_publishes_nothing(
    server: RunningServer, gql: GraphQLClient, world: SchoolWorld
) -> None:
    # given an instructor at capacity, and the two people the failed change would involve
    async with server.state.db.transaction() as session:
        await session.execute(
            text("UPDATE instructor_profiles SET max_students = 1 WHERE user_id = :id"),
            {"id": world.instructor.id},
        )
    admin = await gql.login(world.admin.email)
    instructor, instructor_op = await _listen(server, gql, world.instructor.email)
    student, _ = await _listen(server, gql, world.other_student.email)
    outbox_before = await _outbox_size(server)

    # when an admin tries to assign one more student to that instructor
    refused = await assign(gql, admin, world.other_student.id, world.instructor.id)

    # then the change is refused, nothing reaches the outbox, and nobody is told
    assert [e["code"] for e in refused["errors"]] == ["CAPACITY_REACHED"]
    assert refused["assignment"] is None
    assert await _outbox_size(server) == outbox_before
    await instructor.expect_silence(0.5)
    await student.expect_silence(0.1)

    # and the feeds are alive: the next real change arrives
    await update_priority(gql, admin, gid("Assignment", world.assignment.id), 5)
    assert event_of(await instructor.next_data(instructor_op))["change"] == "UPDATED"
    await student.expect_silence(0.2)
    await instructor.close()
    await student.close()
