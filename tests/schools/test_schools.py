"""Schools and platform settings (SPEC §1): platform admins create schools; a school's
admins run its policy but not its identity or the platform's fee; anyone may look a
school up by slug to register; platform settings are public or private."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from models.events import AuditEntry
from models.schools import PlatformSetting, School
from resolvers.context import AppState
from tests.support import Factory, GraphQLClient, SchoolWorld, gid, unique
from tests.tenancy.dbstate import all_rows

SCHOOL_FIELDS = """
  id name slug timeZone currency contactEmail contactPhone address isActive
  settings {
    bookingHorizonDays slotGranularityMinutes cancellationNoticeHours lateCancellationRule
    depositRequired unpaidHoldMinutes platformFeeBps
  }
"""

CREATE_SCHOOL = f"""
mutation Create($input: CreateSchoolInput!) {{
  createSchool(input: $input) {{ school {{ {SCHOOL_FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE_SCHOOL = f"""
mutation Update($input: UpdateSchoolInput!) {{
  updateSchool(input: $input) {{ school {{ {SCHOOL_FIELDS} }} errors {{ code message field }} }}
}}
"""

BY_SLUG = """
query BySlug($slug: String!) { schoolBySlug(slug: $slug) { name slug timeZone currency } }
"""

# A private field asked of the public type (filled in per test).
BY_SLUG_ASKING_FOR = """
query BySlug($slug: String!) { schoolBySlug(slug: $slug) { name %s } }
"""

PUBLIC_SCHOOL_FIELDS = """
query PublicSchoolShape { __type(name: "PublicSchool") { fields { name } } }
"""

SET_SETTING = """
mutation Set($input: SetPlatformSettingInput!) {
  setPlatformSetting(input: $input) { setting { key value isPublic } errors { code message field } }
}
"""

SETTINGS = """
query Settings { platformSettings { key value isPublic } }
"""

SCHOOLS = """
query Schools { schools(first: 100) { edges { node { slug } } } }
"""

# Tables a request may legitimately touch without changing anything of substance.
AUTH_TABLES = ("login_attempts", "auth_sessions", "refresh_tokens")


def _new_school(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Northside Driving",
        "slug": unique("northside-"),
        "timeZone": "Europe/Dublin",
        "currency": "EUR",
        **overrides,
    }


async def _root(gql: GraphQLClient, factory: Factory) -> str:
    return await gql.login((await factory.platform_admin()).email)


async def _school(state: AppState, school_id: Any) -> School:
    async with state.db.session() as session:
        school = await session.get(School, school_id)
    assert school is not None
    return school


# -- creating --------------------------------------------------------------------------------------


async def test_platform_admin_creates_a_school(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a platform admin
    token = await _root(gql, factory)
    fields = _new_school(
        contactEmail="Office@Northside.test",
        contactPhone="01632 960001",
        settings={"slotGranularityMinutes": 30, "lateCancellationRule": "HALF_FEE"},
    )

    # When they create a school
    data = await gql.data(CREATE_SCHOOL, {"input": fields}, token=token)

    # Then it exists with normalised contact details, the chosen policy and defaults elsewhere
    result = data["createSchool"]
    assert result["errors"] == []
    school = result["school"]
    assert (school["name"], school["slug"], school["timeZone"], school["currency"]) == (
        "Northside Driving",
        fields["slug"],
        "Europe/Dublin",
        "EUR",
    )
    assert school["contactEmail"] == "Office@northside.test"
    assert school["contactPhone"] == "+441632960001"
    assert school["isActive"] is True
    assert school["settings"]["slotGranularityMinutes"] == 30
    assert school["settings"]["lateCancellationRule"] == "HALF_FEE"
    assert school["settings"]["bookingHorizonDays"] == 90
    async with state.db.session() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "school.created")
        )
    assert audit is not None
    assert audit.after is not None
    assert audit.after["slug"] == fields["slug"]


INVALID_NEW_SCHOOLS: list[tuple[dict[str, Any], str, str]] = [
    ({"slug": "Has Spaces"}, "INVALID_SLUG", "slug"),
    ({"slug": "a"}, "INVALID_SLUG", "slug"),
    ({"slug": "-leading-dash"}, "INVALID_SLUG", "slug"),
    ({"slug": "x" * 64}, "INVALID_SLUG", "slug"),
    ({"slug": "null\x00byte"}, "INVALID_SLUG", "slug"),
    ({"slug": ""}, "INVALID", "slug"),
    ({"timeZone": "Mars/Olympus_Mons"}, "INVALID_TIME_ZONE", "timeZone"),
    ({"timeZone": "europe/london"}, "INVALID_TIME_ZONE", "timeZone"),
    ({"timeZone": "../../etc/passwd"}, "INVALID_TIME_ZONE", "timeZone"),
    ({"timeZone": "x" * 10_000}, "INVALID_TIME_ZONE", "timeZone"),
    ({"timeZone": "Europe/London\x00"}, "INVALID_TIME_ZONE", "timeZone"),
    ({"currency": "XYZ"}, "INVALID_CURRENCY", "currency"),
    ({"currency": "POUNDS"}, "INVALID_CURRENCY", "currency"),
    ({"timeZone": ""}, "INVALID", "timeZone"),
    (
        {"settings": {"slotGranularityMinutes": 7}},
        "INVALID_SETTING",
        "slotGranularityMinutes",
    ),
    ({"settings": {"bookingHorizonDays": 0}}, "INVALID_SETTING", "bookingHorizonDays"),
    ({"settings": {"platformFeeBps": 10_001}}, "INVALID_SETTING", "platformFeeBps"),
    ({"name": "n" * 10_000}, "INVALID", "name"),
    ({"name": "   "}, "INVALID", "name"),
    ({"name": "Bell\x07School"}, "INVALID", "name"),
    ({"contactEmail": "not an email"}, "INVALID", "contactEmail"),
    ({"contactPhone": "12"}, "INVALID", "contactPhone"),
]


async def test_invalid_schools_are_refused_with_typed_codes(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a platform admin and the database as it is
    token = await _root(gql, factory)
    before = await all_rows(state, ignore=AUTH_TABLES)

    for overrides, code, field in INVALID_NEW_SCHOOLS:
        # When they create a school with one bad value
        data = await gql.data(CREATE_SCHOOL, {"input": _new_school(**overrides)}, token=token)

        # Then the payload names the code and field, and nothing was written
        result = data["createSchool"]
        assert result["school"] is None, overrides
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], overrides
        assert await all_rows(state, ignore=AUTH_TABLES) == before, overrides


@pytest.mark.parametrize("variant", ["same", "different case", "padded"])
async def test_a_taken_slug_is_refused(
    gql: GraphQLClient, factory: Factory, state: AppState, variant: str
) -> None:
    # Given a school with a slug
    token = await _root(gql, factory)
    slug = unique("taken-")
    first = await gql.data(CREATE_SCHOOL, {"input": _new_school(slug=slug)}, token=token)
    assert first["createSchool"]["errors"] == []
    again = {"same": slug, "different case": slug.upper(), "padded": f"  {slug} "}[variant]
    before = await all_rows(state, ignore=AUTH_TABLES)

    # When another school is created with the same slug, however it is typed
    data = await gql.data(CREATE_SCHOOL, {"input": _new_school(slug=again)}, token=token)

    # Then it is refused as SLUG_TAKEN and nothing is written
    assert [e["code"] for e in data["createSchool"]["errors"]] == ["SLUG_TAKEN"]
    assert await all_rows(state, ignore=AUTH_TABLES) == before


@pytest.mark.parametrize("role", ["admin", "instructor", "student"])
async def test_only_platform_admins_create_or_list_schools(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, role: str
) -> None:
    # Given a member of a school
    token = await gql.login(getattr(world, role).email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    # When they try to create a school or list all schools
    created = await gql.execute(CREATE_SCHOOL, {"input": _new_school()}, token=token)
    listed = await gql.execute(SCHOOLS, token=token)

    # Then both are FORBIDDEN and nothing is written
    for body in (created, listed):
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await all_rows(state, ignore=AUTH_TABLES) == before


async def test_creating_a_school_needs_a_login(gql: GraphQLClient) -> None:
    body = await gql.execute(CREATE_SCHOOL, {"input": _new_school()})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# -- updating --------------------------------------------------------------------------------------


async def test_school_admin_changes_details_and_policy(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a school admin
    token = await gql.login(world.admin.email)

    # When they change the school's details and policy
    data = await gql.data(
        UPDATE_SCHOOL,
        {
            "input": {
                "schoolId": gid("School", world.school.id),
                "name": "Renamed Driving School",
                "timeZone": "Europe/Belfast",
                "address": "1 High Street",
                "settings": {
                    "bookingHorizonDays": 30,
                    "slotGranularityMinutes": 60,
                    "cancellationNoticeHours": 24,
                    "lateCancellationRule": "FULL_FEE",
                    "depositRequired": True,
                    "unpaidHoldMinutes": 60,
                },
            }
        },
        token=token,
    )

    # Then the school has them, and the audit log records before and after
    result = data["updateSchool"]
    assert result["errors"] == []
    school = result["school"]
    assert school["name"] == "Renamed Driving School"
    assert school["timeZone"] == "Europe/Belfast"
    assert school["settings"] == {
        "bookingHorizonDays": 30,
        "slotGranularityMinutes": 60,
        "cancellationNoticeHours": 24,
        "lateCancellationRule": "FULL_FEE",
        "depositRequired": True,
        "unpaidHoldMinutes": 60,
        "platformFeeBps": 1000,
    }
    stored = await _school(state, world.school.id)
    assert (stored.name, stored.booking_horizon_days) == ("Renamed Driving School", 30)
    async with state.db.session() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "school.updated")
        )
    assert audit is not None
    assert audit.actor_id == world.admin.id
    assert audit.before is not None
    assert audit.after is not None
    assert (audit.before["booking_horizon_days"], audit.after["booking_horizon_days"]) == (90, 30)


@pytest.mark.parametrize(
    "change",
    [
        {"slug": "new-slug"},
        {"isActive": False},
        {"settings": {"platformFeeBps": 0}},
        {"name": "Sneaky", "settings": {"bookingHorizonDays": 10, "platformFeeBps": 0}},
    ],
)
async def test_school_admin_cannot_change_slug_status_or_platform_fee(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, change: dict[str, Any]
) -> None:
    # Given a school admin and their school as it is
    token = await gql.login(world.admin.email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    # When they try to change what only the platform may change
    body = await gql.execute(
        UPDATE_SCHOOL,
        {"input": {"schoolId": gid("School", world.school.id), **change}},
        token=token,
    )

    # Then they are FORBIDDEN and nothing changes, not even the parts they may change
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await all_rows(state, ignore=AUTH_TABLES) == before


async def test_platform_admin_changes_slug_status_and_fee(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld
) -> None:
    # Given a platform admin
    token = await _root(gql, factory)
    slug = unique("renamed-")

    # When they change a school's slug, status and fee
    data = await gql.data(
        UPDATE_SCHOOL,
        {
            "input": {
                "schoolId": gid("School", world.school.id),
                "slug": slug,
                "isActive": False,
                "settings": {"platformFeeBps": 250},
            }
        },
        token=token,
    )

    # Then the school has them, and the closed school no longer shows up by slug
    school = data["updateSchool"]["school"]
    assert (school["slug"], school["isActive"], school["settings"]["platformFeeBps"]) == (
        slug,
        False,
        250,
    )
    assert (await gql.data(BY_SLUG, {"slug": slug}))["schoolBySlug"] is None


@pytest.mark.parametrize("role", ["instructor", "student"])
async def test_instructors_and_students_cannot_change_their_school(
    gql: GraphQLClient, state: AppState, world: SchoolWorld, role: str
) -> None:
    token = await gql.login(getattr(world, role).email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    body = await gql.execute(
        UPDATE_SCHOOL,
        {"input": {"schoolId": gid("School", world.school.id), "name": "Mine now"}},
        token=token,
    )

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await all_rows(state, ignore=AUTH_TABLES) == before


INVALID_UPDATES: list[tuple[dict[str, Any], str, str]] = [
    ({"timeZone": "Atlantis/Lost"}, "INVALID_TIME_ZONE", "timeZone"),
    ({"currency": "ZZZ"}, "INVALID_CURRENCY", "currency"),
    (
        {"settings": {"slotGranularityMinutes": 45}},
        "INVALID_SETTING",
        "slotGranularityMinutes",
    ),
    (
        {"settings": {"cancellationNoticeHours": -1}},
        "INVALID_SETTING",
        "cancellationNoticeHours",
    ),
    ({"settings": {"unpaidHoldMinutes": 10_081}}, "INVALID_SETTING", "unpaidHoldMinutes"),
    ({"name": ""}, "INVALID", "name"),
    ({"address": "a" * 501}, "INVALID", "address"),
]


async def test_invalid_updates_are_refused_with_typed_codes(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a school admin and the database as it is
    token = await gql.login(world.admin.email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    for change, code, field in INVALID_UPDATES:
        # When they make one invalid change
        data = await gql.data(
            UPDATE_SCHOOL,
            {"input": {"schoolId": gid("School", world.school.id), **change}},
            token=token,
        )

        # Then the payload names the code and field, and nothing was written
        assert [(e["code"], e["field"]) for e in data["updateSchool"]["errors"]] == [
            (code, field)
        ], change
        assert data["updateSchool"]["school"] is None, change
        assert await all_rows(state, ignore=AUTH_TABLES) == before, change


# -- the public lookup -----------------------------------------------------------------------------


async def test_school_by_slug_is_public_and_shows_only_what_registration_needs(
    gql: GraphQLClient, world: SchoolWorld
) -> None:
    # Given an active school, and nobody logged in
    slug = world.school.slug

    # When anyone looks it up by slug, in any case and with stray spaces
    exact = await gql.data(BY_SLUG, {"slug": slug})
    sloppy = await gql.data(BY_SLUG, {"slug": f" {slug.upper()} "})
    shape = await gql.data(PUBLIC_SCHOOL_FIELDS)

    # Then they get its name, slug, time zone and currency, and the type has nothing more
    expected = {
        "name": world.school.name,
        "slug": slug,
        "timeZone": "Europe/London",
        "currency": "GBP",
    }
    assert exact["schoolBySlug"] == expected
    assert sloppy["schoolBySlug"] == expected
    assert {f["name"] for f in shape["__type"]["fields"]} == {
        "name",
        "slug",
        "timeZone",
        "currency",
    }


@pytest.mark.parametrize("field", ["id", "isActive", "contactEmail", "settings { platformFeeBps }"])
async def test_school_by_slug_cannot_be_asked_for_more(
    gql: GraphQLClient, world: SchoolWorld, field: str
) -> None:
    response = await gql.post(BY_SLUG_ASKING_FOR % field, {"slug": world.school.slug})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in response.json()


async def test_school_by_slug_of_nothing_is_null(gql: GraphQLClient, world: SchoolWorld) -> None:
    for slug in ("no-such-school", "", "x" * 10_000, "nul\x00byte", "é✓", "%", "_"):
        body = await gql.execute(BY_SLUG, {"slug": slug})

        assert "errors" not in body, (slug, body)
        assert body["data"] == {"schoolBySlug": None}, slug


# -- platform settings -----------------------------------------------------------------------------


async def _seed_settings(gql: GraphQLClient, factory: Factory) -> str:
    token = await _root(gql, factory)
    for key, value, public in (
        ("theory.pass_mark", 43, True),
        ("payments.provider_secret_hint", {"last4": "9f2a"}, False),
    ):
        data = await gql.data(
            SET_SETTING, {"input": {"key": key, "value": value, "isPublic": public}}, token=token
        )
        assert data["setPlatformSetting"]["errors"] == [], data
    return token


@pytest.mark.parametrize("viewer", ["anonymous", "admin", "instructor", "student"])
async def test_platform_settings_show_only_public_ones_to_everyone_else(
    gql: GraphQLClient, factory: Factory, world: SchoolWorld, viewer: str
) -> None:
    # Given one public and one private platform setting
    await _seed_settings(gql, factory)
    token = None if viewer == "anonymous" else await gql.login(getattr(world, viewer).email)

    # When someone other than a platform admin reads the settings
    data = await gql.data(SETTINGS, token=token)

    # Then they see only the public one
    assert data["platformSettings"] == [{"key": "theory.pass_mark", "value": 43, "isPublic": True}]


async def test_platform_admins_see_every_setting(gql: GraphQLClient, factory: Factory) -> None:
    token = await _seed_settings(gql, factory)

    data = await gql.data(SETTINGS, token=token)

    assert data["platformSettings"] == [
        {"key": "payments.provider_secret_hint", "value": {"last4": "9f2a"}, "isPublic": False},
        {"key": "theory.pass_mark", "value": 43, "isPublic": True},
    ]


@pytest.mark.parametrize("viewer", ["anonymous", "admin", "instructor", "student"])
async def test_only_platform_admins_set_platform_settings(
    gql: GraphQLClient, factory: Factory, state: AppState, world: SchoolWorld, viewer: str
) -> None:
    # Given a public setting
    await _seed_settings(gql, factory)
    token = None if viewer == "anonymous" else await gql.login(getattr(world, viewer).email)
    before = await all_rows(state, ignore=AUTH_TABLES)

    # When anyone else tries to change it
    body = await gql.execute(
        SET_SETTING,
        {"input": {"key": "theory.pass_mark", "value": 1, "isPublic": True}},
        token=token,
    )

    # Then they are refused and it keeps its value
    expected = "UNAUTHENTICATED" if viewer == "anonymous" else "FORBIDDEN"
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert await all_rows(state, ignore=AUTH_TABLES) == before
    async with state.db.session() as session:
        setting = await session.get(PlatformSetting, "theory.pass_mark")
    assert setting is not None
    assert setting.value == 43


INVALID_SETTINGS: list[tuple[str, Any]] = [
    ("Has Capitals", 1),
    ("x", 1),
    ("k" * 101, 1),
    ("ok.key", "v" * 10_001),
    ("ok.key", {"nested": "nul\x00"}),
    ("ok.key", ["\x00"]),
]


async def test_invalid_platform_settings_are_refused(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given a platform admin and the database as it is
    token = await _root(gql, factory)
    before = await all_rows(state, ignore=AUTH_TABLES)

    for key, value in INVALID_SETTINGS:
        # When they set a bad key or value
        data = await gql.data(SET_SETTING, {"input": {"key": key, "value": value}}, token=token)

        # Then it is refused as INVALID and nothing is written
        assert [e["code"] for e in data["setPlatformSetting"]["errors"]] == ["INVALID"], key
        assert data["setPlatformSetting"]["setting"] is None, key
        assert await all_rows(state, ignore=AUTH_TABLES) == before, key
