"""The first path through the diary: slots are offered, a student books one, and it is
gone from the slots."""

from __future__ import annotations

from tests.scheduling.helpers import BOOK, SLOTS, days_ahead, iso, local, make_diary
from tests.support import Factory, GraphQLClient


async def test_a_student_books_an_offered_slot_and_it_is_no_longer_offered(
    gql: GraphQLClient, factory: Factory
) -> None:
    diary = await make_diary(factory)
    token = await gql.login(diary.world.student.email)
    day = days_ahead(3)
    window = {"from": iso(local(day, 9)), "to": iso(local(day, 12))}

    before = await gql.data(SLOTS, {**diary.ids(), **window}, token=token)
    starts = [s["startsAt"] for s in before["availableSlots"]]
    assert len(starts) == 12  # 09:00 … 11:45 every 15 minutes
    booked = await gql.data(BOOK, {"input": {**diary.ids(), "startsAt": starts[4]}}, token=token)

    assert booked["bookLesson"]["errors"] == []
    assert booked["bookLesson"]["booking"]["status"] == "PENDING"
    after = await gql.data(SLOTS, {**diary.ids(), **window}, token=token)
    remaining = [s["startsAt"] for s in after["availableSlots"]]
    # 10:00 to 11:00 is taken: starts from 09:15 (ends 10:15) to 10:45 are gone.
    assert len(remaining) == 12 - 7
