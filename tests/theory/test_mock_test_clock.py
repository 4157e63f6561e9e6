"""The server is the clock: 57 minutes are enforced, answers after the deadline are refused
and finalise the test, reading an expired test finalises it, and the periodic finaliser
closes tests nobody touches. No test sleeps: the clock is injected in the services, and
deadlines are moved in the database for the HTTP tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.events import OutboxEvent
from models.theory import MockTest, MockTestQuestion, TheoryQuestion
from resolvers.context import AppState
from services.accounts import actor_for
from services.errors import DomainError
from services.theory import expiry, mock_tests
from services.uow import unit_of_work
from tests.support import GraphQLClient, SchoolWorld
from tests.theory.helpers import (
    FLAG,
    answer,
    bank,
    correct_keys,
    expire,
    load_bank,
    start_test,
    submit,
)

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def _pk(global_id: str):
    from schema.common.node import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def _rows(state: AppState, test_id) -> list[MockTestQuestion]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(MockTestQuestion)
                .where(MockTestQuestion.test_id == test_id)
                .order_by(MockTestQuestion.position)
            )
        )


async def _test(state: AppState, test_id) -> MockTest:
    async with state.db.session() as session:
        test = await session.get(MockTest, test_id)
    assert test is not None
    return test


async def test_answers_are_taken_until_57_minutes_and_refused_from_then_on(
    state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    actor = actor_for(world.student)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        test = await mock_tests.start(uow, actor, now=T0, rng=random.Random(1))
    rows = await _rows(state, test.id)
    keys = await correct_keys(state, [r.id for r in rows])
    assert test.expires_at == T0 + timedelta(minutes=57)

    # one second before the deadline an answer is taken
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await mock_tests.answer(
            uow,
            actor,
            rows[0].id,
            keys[rows[0].id],
            1000,
            now=T0 + timedelta(minutes=57, seconds=-1),
        )

    # at the deadline it is refused, and the refusal finalises the test
    with pytest.raises(DomainError) as refused:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await mock_tests.answer(
                uow, actor, rows[1].id, keys[rows[1].id], 1000, now=T0 + timedelta(minutes=57)
            )
    assert refused.value.code == "TEST_EXPIRED"
    closed = await _test(state, test.id)
    assert (closed.status, closed.score, closed.passed) == ("expired", 1, False)
    assert closed.finalised_at == closed.expires_at
    assert [r.selected is not None for r in await _rows(state, test.id)][:2] == [True, False]


async def test_an_answer_after_the_deadline_over_http_is_refused_with_a_typed_error(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    first, second = test["questions"][:2]
    keys = await correct_keys(state, [_pk(first["id"])])
    assert (await answer(gql, token, first["id"], keys[_pk(first["id"])]))["errors"] == []
    await expire(state, _pk(test["id"]))
    late_keys = [o["key"] for o in second["question"]["options"]][
        : second["question"]["marksRequired"]
    ]

    late = await answer(gql, token, second["id"], late_keys)
    later = await answer(gql, token, second["id"], late_keys)
    flag = await gql.data(FLAG, {"input": {"mockTestQuestionId": second["id"]}}, token=token)

    assert late["mockTestQuestion"] is None
    assert [e["code"] for e in late["errors"]] == ["TEST_EXPIRED"]
    assert [e["code"] for e in later["errors"]] == ["TEST_FINALISED"]
    assert [e["code"] for e in flag["flagMockTestQuestion"]["errors"]] == ["TEST_FINALISED"]
    closed = await _test(state, _pk(test["id"]))
    assert (closed.status, closed.score) == ("expired", 1)
    assert (await _rows(state, closed.id))[1].selected is None


async def test_reading_an_expired_test_finalises_it(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    await expire(state, _pk(test["id"]))

    active = await gql.data("{ activeMockTest { id } }", token=token)
    node = await gql.data(
        """query($id: ID!) { node(id: $id) { ... on MockTest {
          status secondsRemaining result { score passed } questions { review { correct } } } } }""",
        {"id": test["id"]},
        token=token,
    )

    assert active["activeMockTest"] is None
    assert node["node"]["status"] == "EXPIRED"
    assert node["node"]["secondsRemaining"] == 0
    assert node["node"]["result"] == {"score": 0, "passed": False}
    assert all(q["review"] == {"correct": False} for q in node["node"]["questions"])


async def test_reading_a_question_of_an_expired_test_finalises_the_test(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    await expire(state, _pk(test["id"]))

    row = await gql.data(
        """query($id: ID!) {
          node(id: $id) { ... on MockTestQuestion { review { correctOptionKeys } } } }""",
        {"id": test["questions"][0]["id"]},
        token=token,
    )

    assert row["node"]["review"]["correctOptionKeys"]
    assert (await _test(state, _pk(test["id"]))).status == "expired"


async def test_the_periodic_finaliser_closes_expired_tests_without_any_client(
    state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    early, late = actor_for(world.student), actor_for(world.other_student)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        first = await mock_tests.start(uow, early, now=T0)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        second = await mock_tests.start(uow, late, now=T0 + timedelta(minutes=30))

    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        at_60 = await expiry.finalise_expired(uow, T0 + timedelta(minutes=60))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        again = await expiry.finalise_expired(uow, T0 + timedelta(minutes=60))
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        at_90 = await expiry.finalise_expired(uow, T0 + timedelta(minutes=90))

    assert (at_60, again, at_90) == (1, 0, 1)
    assert (await _test(state, first.id)).status == "expired"
    assert (await _test(state, second.id)).status == "expired"
    async with state.db.session() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent.entity_id).where(OutboxEvent.event_type == mock_tests.FINALISED)
            )
        )
    assert sorted(events) == sorted([first.id, second.id])


async def test_submitting_after_the_deadline_closes_the_test_as_expired(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    await expire(state, _pk(test["id"]))

    submitted = await submit(gql, token, test["id"])

    assert submitted["errors"] == []
    assert submitted["mockTest"]["status"] == "EXPIRED"
    assert submitted["mockTest"]["result"]["timeTakenSeconds"] == 57 * 60


async def test_starting_again_after_an_unfinished_test_expired_closes_it_first(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    await load_bank(state, bank(10))
    token = await gql.login(world.student.email)
    old = await start_test(gql, token)
    await expire(state, _pk(old["id"]))

    new = await start_test(gql, token)

    assert new["id"] != old["id"]
    assert (await _test(state, _pk(old["id"]))).status == "expired"


async def test_a_question_edited_during_a_test_does_not_change_an_answer_already_given(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    document = bank(10)
    await load_bank(state, document)
    token = await gql.login(world.student.email)
    test = await start_test(gql, token)
    first = test["questions"][0]
    keys = await correct_keys(state, [_pk(first["id"])])
    await answer(gql, token, first["id"], keys[_pk(first["id"])])
    # the bank's answer for that question changes to another option
    async with state.db.transaction() as session:
        question = await session.get(TheoryQuestion, _pk(first["question"]["id"]))
        assert question is not None
        question.answer = ["D"] if question.question_type == "single_choice" else ["B", "D"]

    submitted = await submit(gql, token, test["id"])

    assert submitted["mockTest"]["result"]["score"] == 1
