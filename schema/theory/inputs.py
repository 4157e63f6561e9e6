"""Inputs of the theory domain."""

from __future__ import annotations

import strawberry

from schema.theory.types import TheoryBank, TheoryDifficulty, TheoryMediaKind, TheoryQuestionType


@strawberry.input(description="An image or video to show with a question.")
class TheoryMediaInput:
    kind: TheoryMediaKind = strawberry.field(description="Image or video (a video question).")
    url: str = strawberry.field(description="An https:// URL.")
    description: str = strawberry.field(description="Alternative text describing it.")


@strawberry.input(
    description="A new question. Checked by the same rules as an imported one "
    "(docs/theory-bank-format.md)."
)
class CreateTheoryQuestionInput:
    bank: TheoryBank = strawberry.field(
        default=TheoryBank.SCHOOL,
        description="SCHOOL: your school's own bank (school admins); SHARED: the platform's "
        "(platform admins).",
    )
    category_id: strawberry.ID = strawberry.field(description="The topic.")
    type: TheoryQuestionType = strawberry.field(description="Single choice or multiple response.")
    text: str = strawberry.field(
        description="The question, up to 1000 characters; a multiple-response question says how "
        "many to mark ('Mark two answers')."
    )
    options: list[str] = strawberry.field(
        description="2 to 6 option texts, distinct; they get the keys A, B, C… in this order."
    )
    correct_option_keys: list[str] = strawberry.field(
        description="The keys of the correct options: one, or two or more for multiple response."
    )
    explanation: str = strawberry.field(description="Why, shown after answering (≤ 2000).")
    difficulty: TheoryDifficulty = strawberry.field(
        default=TheoryDifficulty.MEDIUM, description="How hard it is."
    )
    reference: str = strawberry.field(description="Highway Code rule or GOV.UK guide it rests on.")
    tags: list[str] = strawberry.field(
        default_factory=list, description="Up to 10 short lowercase tags."
    )
    media: TheoryMediaInput | None = strawberry.field(
        default=None, description="An image or video to show with it."
    )
    external_id: str | None = strawberry.field(
        default=None, description="Its id in export files; generated when omitted."
    )


@strawberry.input(description="Change a question; omitted fields stay as they are.")
class UpdateTheoryQuestionInput:
    question_id: strawberry.ID = strawberry.field(description="The question.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="New topic.")
    type: TheoryQuestionType | None = strawberry.field(default=None, description="New type.")
    text: str | None = strawberry.field(default=None, description="New text.")
    options: list[str] | None = strawberry.field(
        default=None, description="New option texts (keys A, B, C… in order)."
    )
    correct_option_keys: list[str] | None = strawberry.field(
        default=None, description="New correct keys."
    )
    explanation: str | None = strawberry.field(default=None, description="New explanation.")
    difficulty: TheoryDifficulty | None = strawberry.field(
        default=None, description="New difficulty."
    )
    reference: str | None = strawberry.field(default=None, description="New reference.")
    tags: list[str] | None = strawberry.field(default=None, description="New tags.")
    media: TheoryMediaInput | None = strawberry.field(default=None, description="New media.")
    remove_media: bool = strawberry.field(default=False, description="Remove the media.")
    external_id: str | None = strawberry.field(default=None, description="New export id.")


@strawberry.input(description="Retire or restore a question.")
class TheoryQuestionIdInput:
    question_id: strawberry.ID = strawberry.field(description="The question.")


@strawberry.input(description="Answer a practice question.")
class AnswerPracticeQuestionInput:
    question_id: strawberry.ID = strawberry.field(description="The question.")
    selected_option_keys: list[str] = strawberry.field(
        description="The keys chosen: exactly `marksRequired` of them."
    )
    time_spent_ms: int | None = strawberry.field(
        default=None, description="How long it was on screen, in ms (0 to 15 minutes)."
    )


@strawberry.input(description="Answer, change or clear the answer to a question of a running test.")
class AnswerMockTestQuestionInput:
    mock_test_question_id: strawberry.ID = strawberry.field(description="The test's question.")
    selected_option_keys: list[str] = strawberry.field(
        description="Exactly `marksRequired` keys; an empty list clears the answer."
    )
    time_spent_ms: int | None = strawberry.field(
        default=None,
        description="How long it was on screen this visit, in ms; added to earlier visits.",
    )


@strawberry.input(description="Flag a question to revisit, or clear the flag.")
class FlagMockTestQuestionInput:
    mock_test_question_id: strawberry.ID = strawberry.field(description="The test's question.")
    flagged: bool = strawberry.field(default=True, description="True to flag, false to clear.")


@strawberry.input(description="Hand a mock test in.")
class SubmitMockTestInput:
    mock_test_id: strawberry.ID | None = strawberry.field(
        default=None, description="The test; omit to hand in your running test."
    )


@strawberry.input(description="The clicks made while a hazard clip played.")
class RespondToHazardClipInput:
    hazard_test_clip_id: strawberry.ID = strawberry.field(description="The test's clip.")
    click_times: list[float] = strawberry.field(
        description="Seconds into the clip of each click (at most 100). Sent once per clip."
    )


@strawberry.input(description="Hand a hazard perception test in.")
class SubmitHazardTestInput:
    hazard_test_id: strawberry.ID = strawberry.field(description="The test.")


@strawberry.input(description="Set a school's mock-test format.")
class UpdateTheoryTestFormatInput:
    school_id: strawberry.ID | None = strawberry.field(
        default=None, description="The school (platform admins); defaults to your own."
    )
    question_count: int = strawberry.field(description="Questions per test, 14 to 100.")
    time_limit_minutes: int = strawberry.field(description="Minutes allowed, 5 to 180.")
    pass_mark: int = strawberry.field(description="Correct answers to pass, 1 to questionCount.")
