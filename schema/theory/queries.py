"""Queries and the live feed of the theory domain."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.theory import bank as bank_resolvers
from resolvers.theory import progress as progress_resolvers
from resolvers.theory import tests as test_resolvers
from schema.common.connection import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection
from schema.common.events import AFTER_EVENT, parse_event_id, resumable
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.theory.types import (
    HazardClip,
    HazardTest,
    MockTest,
    TheoryBank,
    TheoryCategory,
    TheoryProgress,
    TheoryProgressChange,
    TheoryProgressEvent,
    TheoryQuestion,
    TheoryTestFormat,
)
from services.errors import CommonErrorCode

INVALID = CommonErrorCode.INVALID
STUDENT_ID = strawberry.argument(
    description="The student (staff: a student you may see). Omit for your own."
)


@strawberry.type
class TheoryQuery:
    @strawberry.field(
        description="The 14 topics of the theory test, in order.",
        permission_classes=[IsAuthenticated],
    )
    async def theory_categories(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Include inactive topics.")
        ] = False,
    ) -> list[TheoryCategory]:
        rows = await bank_resolvers.categories(info, include_inactive)
        return [TheoryCategory(model=row) for row in rows]

    @strawberry.field(
        description="Questions of the banks you see (the shared bank and your school's), newest "
        "last. No answers: see `TheoryQuestion.answerKey`.",
        permission_classes=[IsAuthenticated],
    )
    async def theory_questions(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        category_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this topic.")
        ] = None,
        bank: Annotated[
            TheoryBank | None, strawberry.argument(description="Only this bank.")
        ] = None,
        include_retired: Annotated[
            bool, strawberry.argument(description="Include retired questions (admins).")
        ] = False,
    ) -> Connection[TheoryQuestion]:
        page = await bank_resolvers.questions(
            info,
            first=first,
            after=after,
            category_id=decode_optional_id(category_id, "TheoryCategory", INVALID, "categoryId"),
            school_bank_only=None if bank is None else bank is TheoryBank.SCHOOL,
            include_retired=include_retired,
        )
        return Connection[TheoryQuestion].from_page(page, lambda m: TheoryQuestion(model=m))

    @strawberry.field(
        description="Questions to practise in a topic (students): ones you have not yet answered "
        "correctly first, in random order.",
        permission_classes=[IsAuthenticated],
    )
    async def theory_practice_questions(
        self,
        info: Info,
        category_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")],
        first: Annotated[int, strawberry.argument(description="How many, 1 to 50.")] = 10,
    ) -> list[TheoryQuestion]:
        rows = await bank_resolvers.practice_questions(
            info, decode_id(category_id, "TheoryCategory", INVALID, "categoryId"), first
        )
        return [TheoryQuestion(model=row) for row in rows]

    @strawberry.field(
        description="Hazard perception clips of the banks you see.",
        permission_classes=[IsAuthenticated],
    )
    async def hazard_clips(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        include_retired: Annotated[
            bool, strawberry.argument(description="Include retired clips.")
        ] = False,
    ) -> Connection[HazardClip]:
        page = await bank_resolvers.hazard_clips(
            info, first=first, after=after, include_retired=include_retired
        )
        return Connection[HazardClip].from_page(page, lambda m: HazardClip(model=m))

    @strawberry.field(
        description="A school's mock-test format (yours when no school is named).",
        permission_classes=[IsAuthenticated],
    )
    async def theory_test_format(
        self,
        info: Info,
        school_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The school (platform admins).")
        ] = None,
    ) -> TheoryTestFormat:
        fmt = await bank_resolvers.test_format(
            info, decode_optional_id(school_id, "School", INVALID, "schoolId")
        )
        return TheoryTestFormat(model=fmt)

    @strawberry.field(
        description="Your running mock test, to resume it after a dropped connection; null when "
        "none is running.",
        permission_classes=[IsAuthenticated],
    )
    async def active_mock_test(self, info: Info) -> MockTest | None:
        found = await test_resolvers.active_mock_test(info)
        return MockTest(model=found) if found else None

    @strawberry.field(
        description="Mock tests, newest first: yours, or a student's you may see.",
        permission_classes=[IsAuthenticated],
    )
    async def mock_tests(
        self,
        info: Info,
        student_id: Annotated[strawberry.ID | None, STUDENT_ID] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[MockTest]:
        page = await test_resolvers.mock_tests_page(
            info,
            student_id=decode_optional_id(student_id, "User", INVALID, "studentId"),
            first=first,
            after=after,
        )
        return Connection[MockTest].from_page(page, lambda m: MockTest(model=m))

    @strawberry.field(
        description="Your running hazard perception test; null when none is running.",
        permission_classes=[IsAuthenticated],
    )
    async def active_hazard_test(self, info: Info) -> HazardTest | None:
        found = await test_resolvers.active_hazard_test(info)
        return HazardTest(model=found) if found else None

    @strawberry.field(
        description="Hazard perception tests, newest first: yours, or a student's you may see.",
        permission_classes=[IsAuthenticated],
    )
    async def hazard_tests(
        self,
        info: Info,
        student_id: Annotated[strawberry.ID | None, STUDENT_ID] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[HazardTest]:
        page = await test_resolvers.hazard_tests_page(
            info,
            student_id=decode_optional_id(student_id, "User", INVALID, "studentId"),
            first=first,
            after=after,
        )
        return Connection[HazardTest].from_page(page, lambda m: HazardTest(model=m))

    @strawberry.field(
        description="A student's theory progress and readiness: yours, or a student's you may see "
        "(their school's admins, their instructors). Null when you may not.",
        permission_classes=[IsAuthenticated],
    )
    async def theory_progress(
        self, info: Info, student_id: Annotated[strawberry.ID | None, STUDENT_ID] = None
    ) -> TheoryProgress | None:
        view = await progress_resolvers.progress_of(
            info, decode_optional_id(student_id, "User", INVALID, "studentId")
        )
        return TheoryProgress(model=view) if view else None

    @strawberry.field(
        description="Several students' progress at once (up to 100), in order; null for each "
        "you may not see.",
        permission_classes=[IsAuthenticated],
    )
    async def students_theory_progress(
        self,
        info: Info,
        student_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Up to 100 students.")
        ],
    ) -> list[TheoryProgress | None]:
        views = await progress_resolvers.progress_of_many(
            info, [decode_id(s, "User", INVALID, "studentIds") for s in student_ids]
        )
        return [TheoryProgress(model=v) if v else None for v in views]


@strawberry.type
class TheorySubscription:
    @strawberry.subscription(
        description="Your own theory progress, pushed each time one of your tests is finalised "
        "(submitted, or expired and closed by the server). Pass the last `eventId` you saw as "
        "`after` to receive what you missed.",
        permission_classes=[IsAuthenticated],
    )
    async def my_theory_progress(
        self, info: Info, after: Annotated[str | None, AFTER_EVENT] = None
    ) -> AsyncGenerator[TheoryProgressEvent, None]:
        async for event in resumable(
            progress_resolvers.my_progress_events(info, parse_event_id(after))
        ):
            yield TheoryProgressEvent(
                event_id=str(event.event_id),
                change=TheoryProgressChange(event.change),
                progress=TheoryProgress(model=event.progress),
                mock_test=MockTest(model=event.mock_test) if event.mock_test else None,
                hazard_test=HazardTest(model=event.hazard_test) if event.hazard_test else None,
            )
