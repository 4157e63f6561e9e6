"""Lesson types (SPEC §2, issue item 1): school admins create, change and retire them over
the API; everyone in the school sees the active ones; bad input, other roles and other
schools change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models.events import AuditEntry
from models.scheduling import LessonType
from resolvers.context import AppState
from tests.scheduling.helpers import make_diary
from tests.support import Factory, GraphQLClient, gid

FIELDS = "id name description durationMinutes priceMinor currency "
FIELDS += "depositMinor isActive"

CREATE = f"""
mutation Create($input: CreateLessonTypeInput!) {{
  createLessonType(input: $input) {{ lessonType {{ {FIELDS} }} errors {{ code field }} }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateLessonTypeInput!) {{
  updateLessonType(input: $input) {{ lessonType {{ {FIELDS} }} errors {{ code field }} }}
}}
"""

LIST = """
query Types($all: Boolean!) { lessonTypes(includeInactive: $all) { name isActive } }
"""

MOTORWAY = {"name": "Motorway lesson", "durationMinutes": 120, "priceMinor": 9000}


def forbidden(body: dict[str, Any]) -> bool:
    return [e["extensions"]["code"] for e in body.get("errors", [])] == ["FORBIDDEN"]


async def type_count(state: AppState) -> int:
    async with state.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(LessonType)) or 0)


async def test_an_admin_creates_changes_and_retires_a_lesson_type(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a school with its standard lesson
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)

    # When its admin adds a motorway lesson with a deposit, then raises its price and retires it
    created = await gql.data(CREATE, {"input": {**MOTORWAY, "depositMinor": 2000}}, token=admin)
    lesson_type = created["createLessonType"]["lessonType"]
    changed = await gql.data(
        UPDATE,
        {"input": {"lessonTypeId": lesson_type["id"], "priceMinor": 9500, "isActive": False}},
        token=admin,
    )

    # Then it is priced in the school's currency, the change kept what was not sent,
    # students no longer see it, and both changes are audited
    assert created["createLessonType"]["errors"] == []
    assert (lesson_type["priceMinor"], lesson_type["currency"]) == (9000, "GBP")
    assert lesson_type["depositMinor"] == 2000
    assert changed["updateLessonType"]["errors"] == []
    assert changed["updateLessonType"]["lessonType"] == {
        **lesson_type,
        "priceMinor": 9500,
        "isActive": False,
    }
    student = await gql.login(diary.world.student.email)
    active = (await gql.data(LIST, {"all": False}, token=student))["lessonTypes"]
    every = (await gql.data(LIST, {"all": True}, token=admin))["lessonTypes"]
    assert active == [{"name": "Standard lesson", "isActive": True}]
    assert every == [
        {"name": "Motorway lesson", "isActive": False},
        {"name": "Standard lesson", "isActive": True},
    ]
    async with state.db.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("lesson_type.%"))
                .where(AuditEntry.actor_id == diary.world.admin.id)
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["lesson_type.created", "lesson_type.updated"]


async def test_bad_lesson_types_are_typed_errors_and_change_nothing(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    admin = await gql.login(diary.world.admin.email)
    before = await type_count(state)
    standard = gid("LessonType", diary.lesson_type.id)

    # When the admin sends a taken name, impossible numbers, a blank name and a deposit
    # above the price, and tries to rename the standard lesson to nothing
    bad = [
        ({**MOTORWAY, "name": "Standard lesson"}, "NAME_TAKEN", "name"),
        ({**MOTORWAY, "durationMinutes": 5}, "INVALID", "durationMinutes"),
        ({**MOTORWAY, "priceMinor": -1}, "INVALID", "priceMinor"),
        ({**MOTORWAY, "name": "   "}, "INVALID", "name"),
        ({**MOTORWAY, "depositMinor": 9001}, "INVALID", "depositMinor"),
    ]
    for fields, code, field in bad:
        payload = (await gql.data(CREATE, {"input": fields}, token=admin))["createLessonType"]
        # Then each is refused with the field at fault
        assert payload == {"lessonType": None, "errors": [{"code": code, "field": field}]}
    renamed = await gql.data(UPDATE, {"input": {"lessonTypeId": standard, "name": ""}}, token=admin)
    assert renamed["updateLessonType"]["errors"] == [{"code": "INVALID", "field": "name"}]

    # And nothing was written
    assert await type_count(state) == before
    names = (await gql.data(LIST, {"all": True}, token=admin))["lessonTypes"]
    assert names == [{"name": "Standard lesson", "isActive": True}]


async def test_only_the_schools_admins_manage_its_lesson_types(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    diary = await make_diary(factory)
    foreign = await make_diary(factory)
    standard = gid("LessonType", diary.lesson_type.id)
    before = await type_count(state)

    # When an instructor and a student try to create one, and another school's admin
    # tries to change this school's standard lesson
    for email in (diary.world.instructor.email, diary.world.student.email):
        token = await gql.login(email)
        assert forbidden(await gql.execute(CREATE, {"input": MOTORWAY}, token=token))
    foreign_admin = await gql.login(foreign.world.admin.email)
    changed = await gql.data(
        UPDATE, {"input": {"lessonTypeId": standard, "isActive": False}}, token=foreign_admin
    )

    # Then the first two are forbidden, the third finds no such lesson type, nothing changed
    assert changed["updateLessonType"] == {
        "lessonType": None,
        "errors": [{"code": "LESSON_TYPE_NOT_FOUND", "field": "lessonTypeId"}],
    }
    assert await type_count(state) == before
    async with state.db.session() as session:
        row = await session.get(LessonType, diary.lesson_type.id)
    assert row is not None
    assert row.is_active is True
