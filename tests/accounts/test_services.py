"""The authentication services called directly, for cases HTTP cannot reach: a client with no
peer address, and a password that changes while a login is being checked."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.context import AppState
from services import auth
from services.errors import DomainError
from services.uow import unit_of_work
from tests.accounts.helpers import db_rows, db_scalar
from tests.support import PASSWORD, SchoolWorld


def units(state: AppState) -> Any:
    return lambda: unit_of_work(state.db, state.hub, state.deps)


async def test_a_login_without_a_peer_address_still_opens_a_session(
    world: SchoolWorld, state: AppState
) -> None:
    # when: e.g. served over a Unix socket, where the ASGI scope has no client
    issued = await auth.login(
        units(state),
        state.deps.passwords,
        email=world.student.email,
        password=PASSWORD,
        client_address="unknown",
        user_agent=None,
    )

    # then
    assert issued.actor.user_id == world.student.id
    rows = await db_rows(
        state, "SELECT client_address FROM auth_sessions WHERE user_id = :id", id=world.student.id
    )
    assert [row.client_address for row in rows] == [None]


async def test_a_password_changed_during_the_check_fails_the_login(
    world: SchoolWorld, state: AppState
) -> None:
    # given: the attempt is counted, and the password is verified against the old hash
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        ticket = await auth.begin_login(uow, email=world.student.email, client_address="192.0.2.1")
    assert await state.deps.passwords.verify(ticket.password_hash, PASSWORD)
    # meanwhile the password is reset
    async with unit_of_work(state.db, state.hub, state.deps) as uow:
        user = await uow.session.get(type(world.student), world.student.id)
        assert user is not None
        user.password_hash = await state.deps.passwords.hash("a different password 9")

    # when
    with pytest.raises(DomainError) as failure:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await auth.complete_login(
                uow, ticket, password_ok=True, client_address="192.0.2.1", user_agent=None
            )

    # then: refused, and the attempt stays counted as a failure
    assert str(failure.value.code) == "INVALID_CREDENTIALS"
    assert await db_scalar(state, "SELECT count(*) FROM auth_sessions") == 0
    assert await db_scalar(state, "SELECT count(*) FROM login_attempts WHERE NOT succeeded") == 1


async def test_an_attempt_is_counted_before_the_password_is_checked(
    world: SchoolWorld, state: AppState
) -> None:
    """Five begun attempts lock the account although none has finished."""
    for _ in range(5):
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await auth.begin_login(uow, email=world.student.email, client_address="192.0.2.9")

    with pytest.raises(DomainError) as failure:
        async with unit_of_work(state.db, state.hub, state.deps) as uow:
            await auth.begin_login(uow, email=world.student.email, client_address="192.0.2.9")

    assert str(failure.value.code) == "TOO_MANY_ATTEMPTS"
