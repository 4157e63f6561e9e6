"""Mutations of the theory domain: bank changes, practice, mock and hazard perception tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry

from resolvers.context import Info
from resolvers.theory import bank as bank_resolvers
from resolvers.theory import tests as test_resolvers
from schema.common.arguments import INPUT
from schema.common.errors import attempt, user_errors
from schema.common.node import decode_id, decode_optional_id
from schema.common.permissions import IsAuthenticated
from schema.theory.inputs import (
    AnswerMockTestQuestionInput,
    AnswerPracticeQuestionInput,
    CreateTheoryQuestionInput,
    FlagMockTestQuestionInput,
    RespondToHazardClipInput,
    SubmitHazardTestInput,
    SubmitMockTestInput,
    TheoryMediaInput,
    TheoryQuestionIdInput,
    UpdateTheoryQuestionInput,
    UpdateTheoryTestFormatInput,
)
from schema.theory.types import (
    HazardTest,
    HazardTestClip,
    MockTest,
    MockTestQuestion,
    PracticeFeedback,
    TheoryBank,
    TheoryError,
    TheoryQuestion,
    TheoryTestFormat,
)
from services.theory.bank import QuestionFields
from services.theory.errors import E

W = TypeVar("W")


async def _run(
    work: Awaitable[Any], wrap: Callable[[Any], W]
) -> tuple[W | None, list[TheoryError]]:
    model, errors = await attempt(work)
    return (wrap(model) if model is not None else None), user_errors(TheoryError, E, errors)


@strawberry.type(description="Result of a question bank change.")
class TheoryQuestionPayload:
    question: TheoryQuestion | None = strawberry.field(description="The question, on success.")
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a practice answer: immediate feedback.")
class PracticeAnswerPayload:
    feedback: PracticeFeedback | None = strawberry.field(description="Right or wrong, and why.")
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of starting or submitting a mock test.")
class MockTestPayload:
    mock_test: MockTest | None = strawberry.field(description="The test, on success.")
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of answering or flagging a mock-test question.")
class MockTestQuestionPayload:
    mock_test_question: MockTestQuestion | None = strawberry.field(
        description="The question with the answer as recorded (never whether it is right)."
    )
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of starting or submitting a hazard perception test.")
class HazardTestPayload:
    hazard_test: HazardTest | None = strawberry.field(description="The test, on success.")
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of sending a clip's clicks.")
class HazardTestClipPayload:
    hazard_test_clip: HazardTestClip | None = strawberry.field(
        description="The clip with the clicks as recorded (its score stays hidden)."
    )
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a test format change.")
class TheoryTestFormatPayload:
    format: TheoryTestFormat | None = strawberry.field(description="The format, on success.")
    errors: list[TheoryError] = strawberry.field(description="Why it failed; empty on success.")


def _media(media: TheoryMediaInput | None) -> dict[str, str] | None:
    if media is None:
        return None
    return {"kind": str(media.kind.value), "url": media.url, "description": media.description}


def _question(model: Any) -> TheoryQuestion:
    return TheoryQuestion(model=model)


@strawberry.type
class TheoryMutation:
    @strawberry.mutation(
        description="Add a question: school admins to their school's bank (only its students see "
        "it), platform admins to the shared bank.",
        permission_classes=[IsAuthenticated],
    )
    async def create_theory_question(
        self, info: Info, input: Annotated[CreateTheoryQuestionInput, INPUT]
    ) -> TheoryQuestionPayload:
        async def work() -> Any:
            return await bank_resolvers.create_question(
                info,
                input.bank is TheoryBank.SCHOOL,
                QuestionFields(
                    category_id=decode_id(
                        input.category_id, "TheoryCategory", E.CATEGORY_NOT_FOUND, "categoryId"
                    ),
                    question_type=str(input.type.value),
                    text=input.text,
                    options=input.options,
                    correct_option_keys=input.correct_option_keys,
                    explanation=input.explanation,
                    difficulty=str(input.difficulty.value),
                    reference=input.reference,
                    tags=input.tags,
                    media=_media(input.media),
                    external_id=input.external_id,
                ),
            )

        question, errors = await _run(work(), _question)
        return TheoryQuestionPayload(question=question, errors=errors)

    @strawberry.mutation(
        description="Edit a question of a bank you manage. Finished tests keep their results.",
        permission_classes=[IsAuthenticated],
    )
    async def update_theory_question(
        self, info: Info, input: Annotated[UpdateTheoryQuestionInput, INPUT]
    ) -> TheoryQuestionPayload:
        async def work() -> Any:
            return await bank_resolvers.update_question(
                info,
                decode_id(input.question_id, "TheoryQuestion", E.QUESTION_NOT_FOUND, "questionId"),
                QuestionFields(
                    category_id=decode_optional_id(
                        input.category_id, "TheoryCategory", E.CATEGORY_NOT_FOUND, "categoryId"
                    ),
                    question_type=str(input.type.value) if input.type else None,
                    text=input.text,
                    options=input.options,
                    correct_option_keys=input.correct_option_keys,
                    explanation=input.explanation,
                    difficulty=str(input.difficulty.value) if input.difficulty else None,
                    reference=input.reference,
                    tags=input.tags,
                    media=_media(input.media),
                    clear_media=input.remove_media,
                    external_id=input.external_id,
                ),
            )

        question, errors = await _run(work(), _question)
        return TheoryQuestionPayload(question=question, errors=errors)

    @strawberry.mutation(
        description="Retire a question: it is no longer drawn for practice or tests; finished "
        "tests still show it.",
        permission_classes=[IsAuthenticated],
    )
    async def retire_theory_question(
        self, info: Info, input: Annotated[TheoryQuestionIdInput, INPUT]
    ) -> TheoryQuestionPayload:
        async def work() -> Any:
            return await bank_resolvers.set_question_active(
                info,
                decode_id(input.question_id, "TheoryQuestion", E.QUESTION_NOT_FOUND, "questionId"),
                False,
            )

        question, errors = await _run(work(), _question)
        return TheoryQuestionPayload(question=question, errors=errors)

    @strawberry.mutation(
        description="Bring a retired question back.", permission_classes=[IsAuthenticated]
    )
    async def restore_theory_question(
        self, info: Info, input: Annotated[TheoryQuestionIdInput, INPUT]
    ) -> TheoryQuestionPayload:
        async def work() -> Any:
            return await bank_resolvers.set_question_active(
                info,
                decode_id(input.question_id, "TheoryQuestion", E.QUESTION_NOT_FOUND, "questionId"),
                True,
            )

        question, errors = await _run(work(), _question)
        return TheoryQuestionPayload(question=question, errors=errors)

    @strawberry.mutation(
        description="Set your school's mock-test format (school admins; platform admins name the "
        "school). Running tests keep the format they started with.",
        permission_classes=[IsAuthenticated],
    )
    async def update_theory_test_format(
        self, info: Info, input: Annotated[UpdateTheoryTestFormatInput, INPUT]
    ) -> TheoryTestFormatPayload:
        async def work() -> Any:
            return await bank_resolvers.update_test_format(
                info,
                decode_optional_id(input.school_id, "School", E.NOT_FOUND, "schoolId"),
                question_count=input.question_count,
                time_limit_minutes=input.time_limit_minutes,
                pass_mark=input.pass_mark,
            )

        fmt, errors = await _run(work(), lambda m: TheoryTestFormat(model=m))
        return TheoryTestFormatPayload(format=fmt, errors=errors)

    @strawberry.mutation(
        description="Answer a practice question (students): feedback comes back at once. Closed "
        "while you have a mock test running.",
        permission_classes=[IsAuthenticated],
    )
    async def answer_practice_question(
        self, info: Info, input: Annotated[AnswerPracticeQuestionInput, INPUT]
    ) -> PracticeAnswerPayload:
        async def work() -> Any:
            return await test_resolvers.answer_practice(
                info,
                decode_id(input.question_id, "TheoryQuestion", E.QUESTION_NOT_FOUND, "questionId"),
                input.selected_option_keys,
                input.time_spent_ms,
            )

        feedback, errors = await _run(work(), lambda m: PracticeFeedback(model=m))
        return PracticeAnswerPayload(feedback=feedback, errors=errors)

    @strawberry.mutation(
        description="Start a mock test (students): questions drawn across every topic, timed by "
        "the server. With a test already running you get TEST_IN_PROGRESS: resume it with "
        "`activeMockTest`.",
        permission_classes=[IsAuthenticated],
    )
    async def start_mock_test(self, info: Info) -> MockTestPayload:
        test, errors = await _run(test_resolvers.start_mock_test(info), lambda m: MockTest(model=m))
        return MockTestPayload(mock_test=test, errors=errors)

    @strawberry.mutation(
        description="Answer, change or clear an answer in your running mock test. After the "
        "deadline: TEST_EXPIRED (and the test is finalised).",
        permission_classes=[IsAuthenticated],
    )
    async def answer_mock_test_question(
        self, info: Info, input: Annotated[AnswerMockTestQuestionInput, INPUT]
    ) -> MockTestQuestionPayload:
        async def work() -> Any:
            return await test_resolvers.answer_mock_question(
                info,
                decode_id(
                    input.mock_test_question_id,
                    "MockTestQuestion",
                    E.NOT_FOUND,
                    "mockTestQuestionId",
                ),
                input.selected_option_keys,
                input.time_spent_ms,
            )

        row, errors = await _run(work(), lambda m: MockTestQuestion(model=m))
        return MockTestQuestionPayload(mock_test_question=row, errors=errors)

    @strawberry.mutation(
        description="Flag a question of your running mock test to revisit (or clear the flag).",
        permission_classes=[IsAuthenticated],
    )
    async def flag_mock_test_question(
        self, info: Info, input: Annotated[FlagMockTestQuestionInput, INPUT]
    ) -> MockTestQuestionPayload:
        async def work() -> Any:
            return await test_resolvers.flag_mock_question(
                info,
                decode_id(
                    input.mock_test_question_id,
                    "MockTestQuestion",
                    E.NOT_FOUND,
                    "mockTestQuestionId",
                ),
                input.flagged,
            )

        row, errors = await _run(work(), lambda m: MockTestQuestion(model=m))
        return MockTestQuestionPayload(mock_test_question=row, errors=errors)

    @strawberry.mutation(
        description="Hand your mock test in: it is scored and the answers are revealed.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_mock_test(
        self, info: Info, input: Annotated[SubmitMockTestInput, INPUT]
    ) -> MockTestPayload:
        async def work() -> Any:
            return await test_resolvers.submit_mock_test(
                info,
                decode_optional_id(input.mock_test_id, "MockTest", E.NOT_FOUND, "mockTestId"),
            )

        test, errors = await _run(work(), lambda m: MockTest(model=m))
        return MockTestPayload(mock_test=test, errors=errors)

    @strawberry.mutation(
        description="Start a hazard perception test (students): 14 clips, 15 hazards.",
        permission_classes=[IsAuthenticated],
    )
    async def start_hazard_test(self, info: Info) -> HazardTestPayload:
        test, errors = await _run(
            test_resolvers.start_hazard_test(info), lambda m: HazardTest(model=m)
        )
        return HazardTestPayload(hazard_test=test, errors=errors)

    @strawberry.mutation(
        description="Send the clicks made while a clip played (once per clip).",
        permission_classes=[IsAuthenticated],
    )
    async def respond_to_hazard_clip(
        self, info: Info, input: Annotated[RespondToHazardClipInput, INPUT]
    ) -> HazardTestClipPayload:
        async def work() -> Any:
            return await test_resolvers.respond_to_clip(
                info,
                decode_id(
                    input.hazard_test_clip_id, "HazardTestClip", E.NOT_FOUND, "hazardTestClipId"
                ),
                input.click_times,
            )

        row, errors = await _run(work(), lambda m: HazardTestClip(model=m))
        return HazardTestClipPayload(hazard_test_clip=row, errors=errors)

    @strawberry.mutation(
        description="Hand your hazard perception test in: it is scored.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_hazard_test(
        self, info: Info, input: Annotated[SubmitHazardTestInput, INPUT]
    ) -> HazardTestPayload:
        async def work() -> Any:
            return await test_resolvers.submit_hazard_test(
                info, decode_id(input.hazard_test_id, "HazardTest", E.NOT_FOUND, "hazardTestId")
            )

        test, errors = await _run(work(), lambda m: HazardTest(model=m))
        return HazardTestPayload(hazard_test=test, errors=errors)
