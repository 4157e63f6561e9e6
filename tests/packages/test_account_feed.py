"""myAccountChanged over the real graphql-transport-ws protocol: a student's credit
balance is pushed as it moves, a reconnect with the last event id replays what was
missed, and a student never receives another student's events."""

from __future__ import annotations

from typing import Any

from resolvers.context import AppState
from tests.conftest import RunningServer
from tests.packages.helpers import BOOK, CANCEL, give_package
from tests.scheduling.helpers import days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient
from tests.websocket.helpers import connect, subscribe_live

ACCOUNT_CHANGED = """
subscription Account($after: String) {
  myAccountChanged(after: $after) {
    eventId type
    account { creditBalance student { id } packages { lessonsRemaining } }
  }
}
"""


def event(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    return payload["data"]["myAccountChanged"]  # type: ignore[no-any-return]


async def test_a_student_sees_their_balance_move_and_nobody_elses(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    # Given two students with packages, both watching their accounts
    diary = await make_diary(Factory(state))
    await give_package(state, diary, diary.world.student, lessons=2)
    await give_package(state, diary, diary.world.other_student, lessons=2)
    token = await gql.login(diary.world.student.email)
    other_token = await gql.login(diary.world.other_student.email)
    ws = await connect(server.ws_url, token)
    op = await subscribe_live(ws, state, ACCOUNT_CHANGED)
    other_ws = await connect(server.ws_url, other_token)
    await subscribe_live(other_ws, state, ACCOUNT_CHANGED)

    # When the first student books with a credit, then cancels in good time
    booked = await gql.data(
        BOOK,
        {"input": {**diary.ids(), "startsAt": iso(local(days_ahead(5), 10)), "payWith": "CREDIT"}},
        token=token,
    )
    booking_id = booked["bookLesson"]["booking"]["id"]
    drawn = event(await ws.next_data(op))
    cancelled = await gql.data(CANCEL, {"input": {"bookingId": booking_id}}, token=token)
    assert cancelled["cancelBooking"]["errors"] == []
    returned = event(await ws.next_data(op))

    # Then they see the balance go down and back up, re-read at each event
    assert (drawn["type"], drawn["account"]["creditBalance"]) == ("CREDITS", 1)
    assert (returned["type"], returned["account"]["creditBalance"]) == ("CREDITS", 2)
    assert int(returned["eventId"]) > int(drawn["eventId"])
    # And the other student hears nothing (nor does the first about booking events)
    await other_ws.expect_silence(0.5)
    await ws.expect_silence(0.3)
    await ws.close()
    await other_ws.close()

    # A reconnect after the first event replays the second
    again = await connect(server.ws_url, token)
    op = await again.subscribe(ACCOUNT_CHANGED, {"after": drawn["eventId"]})
    replayed = event(await again.next_data(op))
    assert replayed["eventId"] == returned["eventId"]
    await again.close()


async def test_a_deposit_payment_is_pushed_as_a_payment_change(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    from services.scheduling import lesson_types
    from services.uow import unit_of_work
    from tests.support import gid

    diary = await make_diary(Factory(state))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        lesson_type = await lesson_types.create(
            uow,
            diary.admin_actor,
            school_id=diary.school.id,
            name="With deposit",
            description=None,
            duration_minutes=60,
            price_minor=5000,
            deposit_minor=1000,
        )
    token = await gql.login(diary.world.student.email)
    ws = await connect(server.ws_url, token)
    op = await subscribe_live(ws, state, ACCOUNT_CHANGED)
    await gql.data(
        BOOK,
        {
            "input": {
                **diary.ids(),
                "lessonTypeId": gid("LessonType", lesson_type.id),
                "startsAt": iso(local(days_ahead(5), 10)),
                "depositMethod": "BANK",
            }
        },
        token=token,
    )
    created = event(await ws.next_data(op))
    assert created["type"] == "PAYMENT"
    assert created["account"]["creditBalance"] == 0
    await ws.close()


async def test_only_students_subscribe(
    server: RunningServer, gql: GraphQLClient, state: AppState
) -> None:
    diary = await make_diary(Factory(state))
    ws = await connect(server.ws_url, await gql.login(diary.world.admin.email))
    op = await ws.subscribe(ACCOUNT_CHANGED, {})
    message = await ws.receive()
    assert message["id"] == op
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await ws.close()
