"""Self-registration, email verification and the admin's review (SPEC §1, student journey)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from resolvers.context import AppState
from services.actor import Role
from tests.accounts.helpers import (
    assert_unauthenticated,
    audit_actions,
    db_execute,
    db_scalar,
    login_errors,
    login_tokens,
)
from tests.support import PASSWORD, Factory, GraphQLClient, SchoolWorld, gid, unique

REGISTER = """
mutation Register($input: RegisterStudentInput!) {
  registerStudent(input: $input) {
    user { id email phone firstName lastName role status emailVerified }
    errors { code message field }
  }
}
"""

VERIFY_EMAIL = """
mutation Verify($token: String!) {
  verifyEmail(input: {token: $token}) {
    user { email emailVerified }
    errors { code message field }
  }
}
"""

REQUEST_VERIFICATION = "mutation { requestEmailVerification { ok errors { code } } }"

ME = "{ me { email status statusReason emailVerified } }"

REVIEW = """
mutation Review($userId: ID!, $decision: ReviewDecision!, $reason: String) {
  reviewRegistration(input: {userId: $userId, decision: $decision, reason: $reason}) {
    user { email status statusReason }
    errors { code message field }
  }
}
"""


def registration(world: SchoolWorld, **changes: Any) -> dict[str, Any]:
    return {
        "schoolSlug": world.school.slug,
        "email": f"{unique('learner')}@example.test",
        "password": PASSWORD,
        "firstName": "Lee",
        "lastName": "Learner",
        "phone": "07700 900123",
        **changes,
    }


async def row_counts(state: AppState) -> tuple[int, ...]:
    """Users, outbound messages, one-time tokens and audit entries: what registration writes."""
    return tuple(
        [
            await db_scalar(state, f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            for table in ("users", "outbound_messages", "one_time_tokens", "audit_log")
        ]
    )


# -- registration ------------------------------------------------------------------------------------


async def test_a_student_registers_into_a_school_and_waits_for_review(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    # given
    form = registration(world, email=f"  {unique('Mixed.Case')}@Example.TEST ")

    # when
    data = await gql.data(REGISTER, {"input": form})

    # then
    payload = data["registerStudent"]
    assert payload["errors"] == []
    user = payload["user"]
    assert user["role"] == "STUDENT"
    assert user["status"] == "PENDING_REVIEW"
    assert user["emailVerified"] is False
    assert user["phone"] == "+447700900123"
    email = user["email"]
    assert email == form["email"].strip().replace("Example.TEST", "example.test")
    message = await factory.last_message(email, "verify_email")
    assert message.channel == "email"
    assert message.data["token"] in message.body
    school_id = await db_scalar(state, "SELECT school_id FROM users WHERE email = :e", e=email)
    assert school_id == world.school.id
    profile = await db_scalar(
        state,
        "SELECT count(*) FROM student_profiles sp JOIN users u ON u.id = sp.user_id "
        "WHERE u.email = :e",
        e=email,
    )
    assert profile == 1


async def test_the_emailed_code_verifies_the_address_once(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    # given
    email = (await gql.data(REGISTER, {"input": registration(world)}))["registerStudent"]["user"][
        "email"
    ]
    token = (await factory.last_message(email, "verify_email")).data["token"]

    # when: verified while logged out
    first = (await gql.data(VERIFY_EMAIL, {"token": token}))["verifyEmail"]

    # then: success, without revealing who the code belonged to
    assert first == {"user": None, "errors": []}
    access = (await login_tokens(gql, email)).access
    assert (await gql.data(ME, token=access))["me"]["emailVerified"] is True
    # and the code cannot be used again
    again = (await gql.data(VERIFY_EMAIL, {"token": token}))["verifyEmail"]
    assert [e["code"] for e in again["errors"]] == ["TOKEN_INVALID"]
    assert again["errors"][0]["field"] == "token"


async def test_verifying_while_logged_in_returns_the_user(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    email = (await gql.data(REGISTER, {"input": registration(world)}))["registerStudent"]["user"][
        "email"
    ]
    access = (await login_tokens(gql, email)).access
    token = (await factory.last_message(email, "verify_email")).data["token"]

    payload = (await gql.data(VERIFY_EMAIL, {"token": token}, token=access))["verifyEmail"]

    assert payload == {"user": {"email": email, "emailVerified": True}, "errors": []}


async def test_a_new_code_replaces_the_old_one(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory
) -> None:
    # given
    email = (await gql.data(REGISTER, {"input": registration(world)}))["registerStudent"]["user"][
        "email"
    ]
    old = (await factory.last_message(email, "verify_email")).data["token"]
    access = (await login_tokens(gql, email)).access

    # when
    requested = await gql.data(REQUEST_VERIFICATION, token=access)
    new = (await factory.last_message(email, "verify_email")).data["token"]

    # then
    assert requested["requestEmailVerification"] == {"ok": True, "errors": []}
    assert new != old
    stale = (await gql.data(VERIFY_EMAIL, {"token": old}))["verifyEmail"]
    assert [e["code"] for e in stale["errors"]] == ["TOKEN_INVALID"]
    assert (await gql.data(VERIFY_EMAIL, {"token": new}))["verifyEmail"]["errors"] == []
    # and a verified address needs no code
    done = await gql.data(REQUEST_VERIFICATION, token=access)
    assert [e["code"] for e in done["requestEmailVerification"]["errors"]] == ["ALREADY_VERIFIED"]


async def test_an_expired_verification_code_is_refused(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    email = (await gql.data(REGISTER, {"input": registration(world)}))["registerStudent"]["user"][
        "email"
    ]
    token = (await factory.last_message(email, "verify_email")).data["token"]
    await db_execute(state, "UPDATE one_time_tokens SET expires_at = now() - interval '1 minute'")

    payload = (await gql.data(VERIFY_EMAIL, {"token": token}))["verifyEmail"]

    assert [e["code"] for e in payload["errors"]] == ["TOKEN_EXPIRED"]


async def test_an_email_already_in_use_is_taken_whatever_its_case(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    before = await row_counts(state)

    data = await gql.data(
        REGISTER, {"input": registration(world, email=world.student.email.upper())}
    )

    assert data["registerStudent"]["user"] is None
    assert data["registerStudent"]["errors"] == [
        {
            "code": "EMAIL_TAKEN",
            "message": "An account with this email already exists.",
            "field": "email",
        }
    ]
    assert await row_counts(state) == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"password": "short"}, "WEAK_PASSWORD", "password"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "WEAK_PASSWORD", "password"),
        ({"password": " padded password "}, "WEAK_PASSWORD", "password"),
        ({"password": "p" * 201 + "qrs"}, "WEAK_PASSWORD", "password"),
        ({"schoolSlug": "no-such-school"}, "NOT_FOUND", "schoolSlug"),
        ({"schoolSlug": "bad\x00slug"}, "NOT_FOUND", "schoolSlug"),
        ({"email": "not-an-email"}, "INVALID_EMAIL", "email"),
        ({"email": "two@@example.test"}, "INVALID_EMAIL", "email"),
        ({"email": "nul\x00@example.test"}, "INVALID_EMAIL", "email"),
        ({"phone": "12"}, "INVALID_PHONE", "phone"),
        ({"phone": "call me maybe"}, "INVALID_PHONE", "phone"),
        ({"firstName": "   "}, "INVALID", "firstName"),
        ({"lastName": "x" * 101}, "INVALID", "lastName"),
        ({"firstName": "Bell\x07"}, "INVALID", "firstName"),
    ],
    ids=[
        "short-password",
        "repetitive-password",
        "padded-password",
        "long-password",
        "unknown-school",
        "nul-in-slug",
        "bad-email",
        "double-at",
        "nul-in-email",
        "short-phone",
        "words-for-phone",
        "blank-name",
        "long-name",
        "control-character",
    ],
)
async def test_bad_registrations_are_typed_errors_and_create_nothing(
    gql: GraphQLClient,
    world: SchoolWorld,
    state: AppState,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    # given
    before = await row_counts(state)

    # when
    data = await gql.data(REGISTER, {"input": registration(world, **changes)})

    # then
    payload = data["registerStudent"]
    assert payload["user"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert await row_counts(state) == before


async def test_an_inactive_school_takes_no_registrations(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    await db_execute(
        state, "UPDATE schools SET is_active = false WHERE id = :id", id=world.school.id
    )

    data = await gql.data(REGISTER, {"input": registration(world)})

    assert [e["code"] for e in data["registerStudent"]["errors"]] == ["SCHOOL_INACTIVE"]


async def test_concurrent_registrations_with_one_email_create_one_account(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    form = registration(world)

    results = await asyncio.gather(*(gql.data(REGISTER, {"input": form}) for _ in range(6)))

    payloads = [r["registerStudent"] for r in results]
    assert sum(p["user"] is not None for p in payloads) == 1
    assert sorted(e["code"] for p in payloads for e in p["errors"]) == ["EMAIL_TAKEN"] * 5
    count = await db_scalar(
        state, "SELECT count(*) FROM users WHERE lower(email) = lower(:e)", e=form["email"]
    )
    assert count == 1


async def test_registration_is_audited(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    user = (await gql.data(REGISTER, {"input": registration(world)}))["registerStudent"]["user"]
    user_id = await db_scalar(state, "SELECT id FROM users WHERE email = :e", e=user["email"])

    assert await audit_actions(state, user_id) == ["user.registered"]


# -- review ------------------------------------------------------------------------------------------


async def test_an_admin_activates_a_pending_registration(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given
    admin = (await login_tokens(gql, world.admin.email)).access

    # when
    data = await gql.data(
        REVIEW, {"userId": gid("User", world.pending.id), "decision": "ACTIVATE"}, token=admin
    )

    # then
    assert data["reviewRegistration"]["errors"] == []
    assert data["reviewRegistration"]["user"]["status"] == "ACTIVE"
    student = (await login_tokens(gql, world.pending.email)).access
    assert (await gql.data(ME, token=student))["me"]["status"] == "ACTIVE"
    assert (await audit_actions(state, world.pending.id))[:2] == ["user.created", "user.activated"]


async def test_a_rejected_student_is_told_why_and_can_no_longer_log_in(
    gql: GraphQLClient, world: SchoolWorld, state: AppState
) -> None:
    # given: the pending student is logged in while waiting
    admin = (await login_tokens(gql, world.admin.email)).access
    waiting = (await login_tokens(gql, world.pending.email)).access

    # when
    data = await gql.data(
        REVIEW,
        {
            "userId": gid("User", world.pending.id),
            "decision": "REJECT",
            "reason": "We do not cover your area.",
        },
        token=admin,
    )

    # then
    assert data["reviewRegistration"]["user"] == {
        "email": world.pending.email,
        "status": "REJECTED",
        "statusReason": "We do not cover your area.",
    }
    await assert_unauthenticated(gql, waiting)
    errors = await login_errors(gql, world.pending.email, PASSWORD)
    assert [e["code"] for e in errors] == ["ACCOUNT_REJECTED"]
    assert "user.rejected" in await audit_actions(state, world.pending.id)


@pytest.mark.parametrize("who", ["student", "instructor", "pending"])
async def test_only_admins_may_review(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState, who: str
) -> None:
    # given: a second pending student, so even the pending one is not reviewing themselves
    pending = await factory.user(world.school, Role.STUDENT, status="pending_review")
    token = (await login_tokens(gql, getattr(world, who).email)).access

    # when
    body = await gql.execute(
        REVIEW, {"userId": gid("User", pending.id), "decision": "ACTIVATE"}, token=token
    )

    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None
    status = await db_scalar(state, "SELECT status FROM users WHERE id = :id", id=pending.id)
    assert status == "pending_review"


async def test_an_admin_without_user_management_may_not_review(
    gql: GraphQLClient, world: SchoolWorld, factory: Factory, state: AppState
) -> None:
    limited = await factory.user(world.school, Role.SCHOOL_ADMIN)
    await db_execute(
        state,
        "UPDATE admin_profiles SET can_manage_users = false WHERE user_id = :id",
        id=limited.id,
    )
    token = (await login_tokens(gql, limited.email)).access

    body = await gql.execute(
        REVIEW, {"userId": gid("User", world.pending.id), "decision": "ACTIVATE"}, token=token
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_reviewing_an_active_user_is_refused(gql: GraphQLClient, world: SchoolWorld) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(
        REVIEW, {"userId": gid("User", world.student.id), "decision": "REJECT"}, token=admin
    )

    assert [e["code"] for e in data["reviewRegistration"]["errors"]] == ["NOT_PENDING_REVIEW"]


async def test_reviewing_another_schools_student_finds_nothing(
    gql: GraphQLClient, world: SchoolWorld, other_world: SchoolWorld, state: AppState
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(
        REVIEW,
        {"userId": gid("User", other_world.pending.id), "decision": "ACTIVATE"},
        token=admin,
    )

    assert [e["code"] for e in data["reviewRegistration"]["errors"]] == ["NOT_FOUND"]
    status = await db_scalar(
        state, "SELECT status FROM users WHERE id = :id", id=other_world.pending.id
    )
    assert status == "pending_review"


@pytest.mark.parametrize("user_id", ["garbage", gid("School", uuid.uuid4()), ""])
async def test_reviewing_a_malformed_id_is_a_typed_error(
    gql: GraphQLClient, world: SchoolWorld, user_id: str
) -> None:
    admin = (await login_tokens(gql, world.admin.email)).access

    data = await gql.data(REVIEW, {"userId": user_id, "decision": "ACTIVATE"}, token=admin)

    assert [e["code"] for e in data["reviewRegistration"]["errors"]] == ["NOT_FOUND"]
    assert data["reviewRegistration"]["errors"][0]["field"] == "userId"
