"""The lesson-package catalogue and promo codes (SPEC §3): school admins who manage
packages create and change them; students see the active packages offered to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from models.accounts import AdminProfile
from models.packages import PromoCode
from resolvers.context import AppState
from services.actor import Role
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, gid

CREATE = """
mutation Create($input: CreateLessonPackageInput!) {
  createLessonPackage(input: $input) {
    package {
      id name lessonsCount lessonDurationMinutes priceMinor discountPercent
      priceAfterDiscountMinor currency validityDays audience isActive
      instructor { id } lessonType { id }
    }
    errors { code field }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateLessonPackageInput!) {
  updateLessonPackage(input: $input) { package { id isActive name } errors { code field } }
}
"""

LIST = """
query List($all: Boolean!) { lessonPackages(includeInactive: $all) { id name audience } }
"""

NODE = "query N($id: ID!) { node(id: $id) { id ... on LessonPackage { name } } }"

CREATE_PROMO = """
mutation Create($input: CreatePromoCodeInput!) {
  createPromoCode(input: $input) {
    promoCode { id code kind value timesUsed usageLimit packages { id } }
    errors { code field }
  }
}
"""

UPDATE_PROMO = """
mutation Update($input: UpdatePromoCodeInput!) {
  updatePromoCode(input: $input) {
    promoCode { id code isActive usageLimit packages { id } }
    errors { code field }
  }
}
"""

PROMOS = """
query P($after: String) {
  promoCodes(first: 2, after: $after) {
    edges { node { code timesUsed } } pageInfo { hasNextPage endCursor }
  }
}
"""


def package_input(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Ten lessons",
        "lessonsCount": 10,
        "lessonDurationMinutes": 60,
        "priceMinor": 40_000,
        "discountPercent": 15,
        "validityDays": 180,
        **overrides,
    }


async def create(gql: GraphQLClient, token: str, **overrides: Any) -> dict[str, Any]:
    body = await gql.data(CREATE, {"input": package_input(**overrides)}, token=token)
    return body["createLessonPackage"]  # type: ignore[no-any-return]


async def test_an_admin_creates_a_package_with_its_discounted_price(
    gql: GraphQLClient, factory: Factory
) -> None:
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    result = await create(
        gql,
        admin,
        priceMinor=39_999,
        lessonTypeId=gid("LessonType", diary.lesson_type.id),
        instructorId=gid("User", diary.world.instructor.id),
        currency="gbp",
    )
    assert result["errors"] == []
    package = result["package"]
    assert package["priceAfterDiscountMinor"] == 39_999 - 6_000  # 15 % of 39,999 = 5,999.85
    assert (package["currency"], package["audience"], package["isActive"]) == ("GBP", "ALL", True)
    assert package["instructor"]["id"] == gid("User", diary.world.instructor.id)
    assert package["lessonType"]["id"] == gid("LessonType", diary.lesson_type.id)


async def test_bad_package_input_is_a_typed_error_and_changes_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    other = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"currency": "EUR"}, "CURRENCY_MISMATCH", "currency"),
        ({"lessonsCount": 0}, "INVALID", "lessonsCount"),
        ({"discountPercent": 95}, "INVALID", "discountPercent"),
        ({"validityDays": 0}, "INVALID", "validityDays"),
        ({"priceMinor": -1}, "INVALID", "priceMinor"),
        ({"name": "  "}, "INVALID", "name"),
        (
            {"instructorId": gid("User", other.world.instructor.id)},
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
        (
            {"instructorId": gid("User", diary.world.student.id)},
            "INSTRUCTOR_NOT_FOUND",
            "instructorId",
        ),
        (
            {"lessonTypeId": gid("LessonType", other.lesson_type.id)},
            "LESSON_TYPE_NOT_FOUND",
            "lessonTypeId",
        ),
        (
            {"lessonTypeId": gid("LessonType", diary.lesson_type.id), "lessonDurationMinutes": 90},
            "INVALID",
            "lessonDurationMinutes",
        ),
    ]
    for overrides, code, field in cases:
        result = await create(gql, admin, **overrides)
        assert result["package"] is None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], overrides
    listed = await gql.data(LIST, {"all": True}, token=admin)
    assert listed["lessonPackages"] == []


async def test_only_admins_allowed_to_manage_packages_change_the_catalogue(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    restricted = await factory.user(diary.school, Role.SCHOOL_ADMIN)
    async with state.db.transaction() as session:
        await session.execute(
            update(AdminProfile)
            .where(AdminProfile.user_id == restricted.id)
            .values(can_manage_packages=False)
        )
    for user in (diary.world.student, diary.world.instructor, restricted):
        token = await gql.login(user.email)
        body = await gql.execute(CREATE, {"input": package_input()}, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", user.role
    # Another school's admin cannot change this school's package: it does not exist for them
    admin = await gql.login(diary.world.admin.email)
    package = (await create(gql, admin))["package"]
    other = await make_diary(factory)
    stranger = await gql.login(other.world.admin.email)
    body = await gql.data(
        UPDATE, {"input": {"packageId": package["id"], "isActive": False}}, token=stranger
    )
    assert [e["code"] for e in body["updateLessonPackage"]["errors"]] == ["NOT_FOUND"]
    assert (await gql.data(NODE, {"id": package["id"]}, token=stranger))["node"] is None


async def test_students_see_active_packages_for_their_audience_and_admins_see_all(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    everyone = (await create(gql, admin, name="Everyone"))["package"]
    newcomers = (await create(gql, admin, name="Newcomers", audience="NEW_STUDENTS"))["package"]
    regulars = (await create(gql, admin, name="Regulars", audience="EXISTING_STUDENTS"))["package"]
    retired = (await create(gql, admin, name="Retired"))["package"]
    off = await gql.data(
        UPDATE, {"input": {"packageId": retired["id"], "isActive": False}}, token=admin
    )
    assert off["updateLessonPackage"]["package"]["isActive"] is False

    student = await gql.login(diary.world.student.email)
    seen = await gql.data(LIST, {"all": True}, token=student)
    assert {p["name"] for p in seen["lessonPackages"]} == {"Everyone", "Newcomers"}
    assert (await gql.data(NODE, {"id": regulars["id"]}, token=student))["node"] is None
    assert (await gql.data(NODE, {"id": retired["id"]}, token=student))["node"] is None
    assert (await gql.data(NODE, {"id": everyone["id"]}, token=student))["node"]["name"]

    # Once the student completed a lesson, they are an existing student
    from datetime import UTC, datetime, timedelta

    from models.scheduling import Booking

    async with state.db.transaction() as session:
        start = datetime.now(UTC) - timedelta(days=3)
        session.add(
            Booking(
                school_id=diary.school.id,
                student_id=diary.world.student.id,
                instructor_id=diary.world.instructor.id,
                lesson_type_id=diary.lesson_type.id,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                blocked_until=start + timedelta(hours=1),
                status="completed",
                price_minor=4000,
                currency="GBP",
            )
        )
    seen = await gql.data(LIST, {"all": False}, token=student)
    assert {p["name"] for p in seen["lessonPackages"]} == {"Everyone", "Regulars"}
    assert newcomers["id"]

    active = await gql.data(LIST, {"all": False}, token=admin)
    assert len(active["lessonPackages"]) == 3
    listed = await gql.data(LIST, {"all": True}, token=admin)
    assert len(listed["lessonPackages"]) == 4


async def test_promo_codes_are_normalised_unique_per_school_and_listed_for_admins(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    other = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    package = (await create(gql, admin))["package"]

    made = await gql.data(
        CREATE_PROMO,
        {
            "input": {
                "code": " spring-25 ",
                "kind": "PERCENTAGE",
                "value": 25,
                "usageLimit": 100,
                "packageIds": [package["id"]],
            }
        },
        token=admin,
    )
    promo = made["createPromoCode"]["promoCode"]
    assert (promo["code"], promo["kind"], promo["timesUsed"]) == ("SPRING-25", "PERCENTAGE", 0)
    assert promo["packages"] == [{"id": package["id"]}]

    # The same code again, in any case, is taken; another school may use it
    again = await gql.data(
        CREATE_PROMO, {"input": {"code": "Spring-25", "kind": "FIXED", "value": 500}}, token=admin
    )
    assert [e["code"] for e in again["createPromoCode"]["errors"]] == ["CODE_TAKEN"]
    elsewhere = await gql.data(
        CREATE_PROMO,
        {"input": {"code": "SPRING-25", "kind": "FIXED", "value": 500}},
        token=await gql.login(other.world.admin.email),
    )
    assert elsewhere["createPromoCode"]["errors"] == []

    # Bad input is a typed error
    for bad, field in (
        ({"code": "no spaces", "kind": "FIXED", "value": 1}, "code"),
        ({"code": "AB", "kind": "FIXED", "value": 1}, "code"),
        ({"code": "PCT", "kind": "PERCENTAGE", "value": 101}, "value"),
        ({"code": "FIX", "kind": "FIXED", "value": 0}, "value"),
        (
            {
                "code": "WINDOW",
                "kind": "FIXED",
                "value": 5,
                "startsAt": "2030-01-02T00:00:00+00:00",
                "endsAt": "2030-01-01T00:00:00+00:00",
            },
            "endsAt",
        ),
        (
            {
                "code": "ELSEWHERE",
                "kind": "FIXED",
                "value": 5,
                "packageIds": [gid("LessonPackage", other.lesson_type.id)],
            },
            "packageIds",
        ),
    ):
        body = await gql.data(CREATE_PROMO, {"input": bad}, token=admin)
        assert [e["field"] for e in body["createPromoCode"]["errors"]] == [field], bad

    # Update: switch off, clear the usage limit, apply to every package
    changed = await gql.data(
        UPDATE_PROMO,
        {
            "input": {
                "promoCodeId": promo["id"],
                "isActive": False,
                "clear": ["usageLimit"],
                "packageIds": [],
            }
        },
        token=admin,
    )
    updated = changed["updatePromoCode"]["promoCode"]
    assert (updated["isActive"], updated["usageLimit"], updated["packages"]) == (False, None, [])

    # A code renamed onto another's name is taken
    await gql.data(
        CREATE_PROMO, {"input": {"code": "SUMMER", "kind": "FIXED", "value": 500}}, token=admin
    )
    clash = await gql.data(
        UPDATE_PROMO, {"input": {"promoCodeId": promo["id"], "code": "summer"}}, token=admin
    )
    assert [e["code"] for e in clash["updatePromoCode"]["errors"]] == ["CODE_TAKEN"]

    # The admin's list pages through their own school's codes only, with timesUsed
    async with state.db.transaction() as session:
        await session.execute(
            update(PromoCode).where(PromoCode.code == "SUMMER").values(times_used=3)
        )
    first = await gql.data(PROMOS, {"after": None}, token=admin)
    page = first["promoCodes"]
    assert page["pageInfo"]["hasNextPage"] is False
    assert {(e["node"]["code"], e["node"]["timesUsed"]) for e in page["edges"]} == {
        ("SPRING-25", 0),
        ("SUMMER", 3),
    }
    student = await gql.login(diary.world.student.email)
    denied = await gql.execute(PROMOS, {"after": None}, token=student)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = await gql.data(
        "query N($id: ID!) { node(id: $id) { id } }", {"id": promo["id"]}, token=student
    )
    assert hidden["node"] is None
