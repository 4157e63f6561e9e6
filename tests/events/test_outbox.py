"""The transactional outbox: an event is written in its change's own transaction, a
rolled-back unit of work leaves no trace and announces nothing, and event ids
increase in commit order however many writers commit at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import func, select, text

from app.database import plain_url
from models.assignments import InstructorAssignment
from models.events import OutboxEvent
from resolvers.context import AppState
from services import assignments
from services.errors import CommonErrorCode, DomainError
from services.uow import unit_of_work
from subscriptions.envelope import BROADCAST_CHANNEL, Envelope, user_key
from subscriptions.feeds import follow
from subscriptions.hub import EventHub
from tests.conftest import RunningServer
from tests.support import Factory, GraphQLClient, SchoolWorld
from tests.websocket.helpers import connect, subscribe_live, wait_until


async def _outbox(state: AppState, entity_id: uuid.UUID) -> list[int]:
    async with state.db.session() as session:
        return list(
            await session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.entity_id == entity_id)
                .order_by(OutboxEvent.id)
            )
        )


async def test_a_service_change_and_its_outbox_row_commit_in_one_transaction(
    state: AppState, factory: Factory, world: SchoolWorld
) -> None:
    # given an admin ending an assignment inside a unit of work that has not committed
    actor = await factory.actor()
    assignment_id = world.assignment.id
    async with state.db.session() as session:
        created_rows = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.entity_id == assignment_id)
        )
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await assignments.end_assignment(uow, actor, assignment_id, "moved away")
        # then, before the commit, another connection sees neither the change nor its event
        assert len(await _outbox(state, assignment_id)) == created_rows
        async with state.db.session() as other:
            status = await other.scalar(
                select(InstructorAssignment.status).where(InstructorAssignment.id == assignment_id)
            )
        assert status == "active"

    # and after it both are there, written by the very same transaction
    async with state.db.session() as session:
        change_xid = await session.scalar(
            text("SELECT xmin::text FROM instructor_assignments WHERE id = :id"),
            {"id": assignment_id},
        )
        event_xids = list(
            await session.scalars(
                text(
                    "SELECT xmin::text FROM outbox_events "
                    "WHERE entity_id = :id AND event_type = 'assignment.ended'"
                ),
                {"id": assignment_id},
            )
        )
    assert event_xids == [change_xid]


class Boom(Exception):
    pass


async def test_a_rolled_back_unit_of_work_leaves_no_outbox_row_and_tells_no_subscriber(
    server: RunningServer, gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # given the student subscribed to their assignments
    state = server.state
    ws = await connect(server.ws_url, await gql.login(world.student.email))
    op_id = await subscribe_live(ws, state)
    before = await _outbox(state, world.assignment.id)
    actor = await factory.actor()

    async def end_then_fail() -> None:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await assignments.end_assignment(uow, actor, world.assignment.id, None)
            raise Boom

    # when a unit of work ends their assignment and then fails
    with pytest.raises(Boom):
        await end_then_fail()

    # then no event was recorded, the assignment is untouched, and nothing is announced
    assert await _outbox(state, world.assignment.id) == before
    async with state.db.session() as session:
        status = await session.scalar(
            select(InstructorAssignment.status).where(
                InstructorAssignment.id == world.assignment.id
            )
        )
    assert status == "active"
    await ws.expect_silence(0.6)

    # while the same change, committed, is announced (the subscriber was listening)
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        await assignments.end_assignment(uow, actor, world.assignment.id, None)
    message = await ws.next_data(op_id)
    assert message["data"]["myAssignmentsChanged"]["change"] == "ENDED"
    await ws.close()


@pytest.fixture
async def raw_listener(state: AppState) -> AsyncIterator[list[Envelope]]:
    """A plain LISTEN connection: PostgreSQL delivers NOTIFYs in commit order."""
    received: list[Envelope] = []
    conn = await asyncpg.connect(plain_url(state.db.url))

    def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        if not payload.startswith('{"ping"'):
            received.append(Envelope.decode(payload))

    await conn.add_listener(BROADCAST_CHANNEL, on_notify)
    yield received
    await conn.close()


async def test_event_ids_increase_in_commit_order_under_concurrent_writers(
    state: AppState, raw_listener: list[Envelope]
) -> None:
    # given a feed following one key, and twenty units of work about to emit on it
    key = user_key(uuid.uuid4())
    feed = follow(state.hub, state.db, {key}, None)
    baseline = state.hub.subscriber_count
    first = asyncio.ensure_future(anext(feed))
    await wait_until(lambda: state.hub.subscriber_count > baseline, what="the feed to listen")

    async def emit(n: int) -> None:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            # a little work in each transaction so that they overlap
            await uow.session.execute(text("SELECT pg_sleep(0.01 * :n % 0.05)"), {"n": n})
            uow.emit(
                "test.tick",
                entity_type="Test",
                entity_id=uuid.uuid4(),
                school_id=None,
                keys=[key],
                data={"n": n},
            )

    # when they commit concurrently
    await asyncio.gather(*(emit(n) for n in range(20)))

    # then PostgreSQL announced them (in commit order) with increasing ids
    await wait_until(
        lambda: len([e for e in raw_listener if key in e.keys]) == 20, what="20 notifications"
    )
    in_commit_order = [e.id for e in raw_listener if key in e.keys]
    assert in_commit_order == sorted(in_commit_order)
    # and the feed delivers them all in id order, without gaps (none rolled back)
    delivered = [(await first).id]
    while len(delivered) < 20:
        delivered.append((await asyncio.wait_for(anext(feed), 5)).id)
    await feed.aclose()
    assert delivered == in_commit_order
    assert delivered == list(range(delivered[0], delivered[0] + 20))
    async with state.db.session() as session:
        stored = list(
            await session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.channel_keys.contains([key]))
                .order_by(OutboxEvent.id)
            )
        )
    assert stored == delivered


async def test_an_event_too_large_for_notify_rings_the_doorbell_and_arrives_whole(
    state: AppState, raw_listener: list[Envelope]
) -> None:
    # given a feed, and an event whose envelope exceeds NOTIFY's 8000-byte limit
    key = user_key(uuid.uuid4())
    feed = follow(state.hub, state.db, {key}, None)
    baseline = state.hub.subscriber_count
    first = asyncio.ensure_future(anext(feed))
    await wait_until(lambda: state.hub.subscriber_count > baseline, what="the feed to listen")
    note = "x" * 20_000

    # when it is committed
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        uow.emit(
            "test.large",
            entity_type="Test",
            entity_id=uuid.uuid4(),
            school_id=None,
            keys=[key],
            data={"note": note},
        )
    event_id = uow.published[0].id

    # then the feed receives it in full, read from the outbox
    envelope = await asyncio.wait_for(first, 5)
    await feed.aclose()
    assert envelope.id == event_id
    assert envelope.data == {"note": note}
    assert envelope.type == "test.large"


async def test_on_other_backends_events_are_published_after_commit_only(
    state: AppState,
) -> None:
    # given a memory:// hub whose heartbeat (and outbox catch-up) cannot fire meanwhile
    hub = EventHub("memory://", state.db, heartbeat_seconds=60)
    await hub.start()
    key = user_key(uuid.uuid4())
    try:
        with hub.subscribe({key}) as sub:

            async def emit(n: int, *, then: Exception | None = None, keep: bool = False) -> None:
                async with unit_of_work(state.db, hub, state.deps) as uow:
                    uow.keep_on_error = keep
                    uow.emit(
                        "test.tick",
                        entity_type="Test",
                        entity_id=uuid.uuid4(),
                        school_id=None,
                        keys=[key],
                        data={"n": n},
                    )
                    if then is not None:
                        raise then

            # when one unit of work rolls back, one commits, and one keeps its work
            # despite a domain error (as a recorded failed attempt does)
            with pytest.raises(Boom):
                await emit(1, then=Boom())
            await emit(2)
            with pytest.raises(DomainError):
                await emit(3, then=DomainError(CommonErrorCode.INVALID, "refused"), keep=True)

            # then exactly the committed two are published, in order
            received = [await asyncio.wait_for(sub.queue.get(), 5) for _ in range(2)]
            assert [e.data["n"] for e in received] == [2, 3]
            await asyncio.sleep(0.2)
            assert sub.queue.empty()
    finally:
        await hub.stop()
