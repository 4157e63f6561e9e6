"""Phone verification: a six-digit code by SMS, ten minutes, five tries, counted under races."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from models.accounts import OneTimeToken
from resolvers.context import AppState
from tests.support import Factory, GraphQLClient, SchoolWorld

SET_PHONE = """
mutation { updateMyAccount(input: {phone: "07700 900123"}) { user { phone phoneVerified } errors { code } } }
"""
REQUEST = "mutation { requestPhoneVerification { ok errors { code field } } }"
VERIFY = """
mutation Verify($code: String!) {
  verifyPhone(input: {code: $code}) { user { phone phoneVerified } errors { code field } }
}
"""
PHONE = "+447700900123"


async def _code(factory: Factory) -> str:
    message = await factory.last_message(PHONE, "verify_phone")
    assert message.channel == "sms"
    return str(message.data["code"])


async def _ready(gql: GraphQLClient, world: SchoolWorld) -> str:
    token = await gql.login(world.student.email)
    changed = await gql.data(SET_PHONE, token=token)
    assert changed["updateMyAccount"]["user"] == {"phone": PHONE, "phoneVerified": False}
    assert (await gql.data(REQUEST, token=token))["requestPhoneVerification"]["ok"] is True
    return token


async def test_the_texted_code_verifies_the_phone_once(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    token = await _ready(gql, world)
    code = await _code(factory)

    first = await gql.data(VERIFY, {"code": code}, token=token)
    again = await gql.data(VERIFY, {"code": code}, token=token)

    assert len(code) == 6
    assert code.isdigit()
    assert first["verifyPhone"] == {"user": {"phone": PHONE, "phoneVerified": True}, "errors": []}
    assert again["verifyPhone"]["errors"] == [{"code": "TOKEN_INVALID", "field": "code"}]


async def test_five_wrong_codes_spend_it_even_for_the_right_one(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    token = await _ready(gql, world)
    code = await _code(factory)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [
        (await gql.data(VERIFY, {"code": wrong}, token=token))["verifyPhone"]["errors"][0]["code"]
        for _ in range(5)
    ]
    right = await gql.data(VERIFY, {"code": code}, token=token)

    assert answers == ["TOKEN_INVALID"] * 5
    assert right["verifyPhone"]["errors"] == [{"code": "TOO_MANY_ATTEMPTS", "field": "code"}]
    assert right["verifyPhone"]["user"] is None


async def test_concurrent_wrong_guesses_are_all_counted(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    token = await _ready(gql, world)
    code = await _code(factory)
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 21)]

    bodies = await asyncio.gather(*(gql.data(VERIFY, {"code": g}, token=token) for g in guesses))

    codes = sorted(b["verifyPhone"]["errors"][0]["code"] for b in bodies)
    assert codes == ["TOKEN_INVALID"] * 5 + ["TOO_MANY_ATTEMPTS"] * 15
    async with state.db.session() as session:
        attempts = await session.scalar(
            select(OneTimeToken.attempts).where(
                OneTimeToken.user_id == world.student.id, OneTimeToken.purpose == "verify_phone"
            )
        )
    assert attempts == 5


async def test_a_new_code_replaces_the_old_one_and_an_expired_code_does_not_verify(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    token = await _ready(gql, world)
    await gql.data(REQUEST, token=token)
    new = await _code(factory)

    async with state.db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OneTimeToken)
                .where(OneTimeToken.user_id == world.student.id)
                .order_by(OneTimeToken.created_at)
            )
        )
        await session.execute(
            update(OneTimeToken)
            .where(OneTimeToken.user_id == world.student.id, OneTimeToken.used_at.is_(None))
            .values(expires_at=OneTimeToken.created_at)
        )
    expired = await gql.data(VERIFY, {"code": new}, token=token)

    assert [row.used_at is not None for row in rows] == [True, False]  # the first was replaced
    assert expired["verifyPhone"]["errors"] == [{"code": "TOKEN_EXPIRED", "field": "code"}]


async def test_codes_are_rationed_and_need_a_phone(gql: GraphQLClient, world: SchoolWorld) -> None:
    token = await gql.login(world.student.email)
    without_phone = await gql.data(REQUEST, token=token)
    await gql.data(SET_PHONE, token=token)

    answers = [(await gql.data(REQUEST, token=token))["requestPhoneVerification"] for _ in range(6)]

    assert without_phone["requestPhoneVerification"]["errors"] == [
        {"code": "INVALID_PHONE", "field": "phone"}
    ]
    assert [a["ok"] for a in answers] == [True] * 5 + [False]
    assert answers[-1]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


async def test_verify_phone_may_appear_once_per_document(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    token = await gql.login(world.student.email)

    body = await gql.execute(
        'mutation { a: verifyPhone(input: {code: "000000"}) { errors { code } }'
        ' b: verifyPhone(input: {code: "000001"}) { errors { code } } }',
        token=token,
    )

    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
