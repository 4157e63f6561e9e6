"""Theory practice as clients see it.

Hiding answers is a property of these types, not of any one query: the only fields that
carry a correct answer or correctness are

* ``TheoryQuestion.answerKey``: for those who manage the question's bank, null for anyone else;
* ``MockTestQuestion.review`` and ``MockTest.result``: null while the test is running (and
  ``review``, to its student, while another of their mock tests runs);
* ``HazardTestClip.review`` and ``HazardTest.result``: likewise (hazard tests for hazard tests);
* ``HazardClip.hazards`` (the scoring windows): bank managers only;
* ``PracticeFeedback``: returned by ``answerPracticeQuestion`` only, which is closed while
  the student has a mock test running.

Every path — root fields, ``node(id:)``, nested objects, the progress feed — goes through
these same resolvers, so a correct answer cannot be reached before the test is finalised.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from models import theory as models
from resolvers.accounts import UserByIdLoader
from resolvers.context import Info
from resolvers.theory import bank as bank_resolvers
from resolvers.theory import progress as progress_resolvers
from resolvers.theory import tests as test_resolvers
from resolvers.theory.loaders import (
    CategoryByIdLoader,
    HazardClipByIdLoader,
    HazardsByClipLoader,
    HazardTestByIdLoader,
    HazardTestClipsByTestLoader,
    MockTestByIdLoader,
    MockTestQuestionsByTestLoader,
    QuestionByIdLoader,
    QuestionCountByCategoryLoader,
    RunningHazardTestLoader,
    RunningMockTestLoader,
    SourceByIdLoader,
)
from schema.accounts.types import User, user_or_none
from schema.common.errors import UserError
from schema.common.node import Node, register_node
from services.theory import access, answers, clock
from services.theory import progress as progress_service
from services.theory import readiness as readiness_service
from services.theory.errors import TheoryErrorCode
from services.theory.formats import TestFormat
from services.theory.practice import PracticeOutcome

TheoryErrorCodeEnum = strawberry.enum(
    TheoryErrorCode, description="Why a theory practice, test or bank change failed."
)


@strawberry.type(description="A failed theory practice, test or bank change.")
class TheoryError(UserError):
    code: TheoryErrorCodeEnum = strawberry.field(description="Machine-readable reason.")  # type: ignore[valid-type]


# -- enums ---------------------------------------------------------------------------------------


@strawberry.enum(description="How a question is answered.")
class TheoryQuestionType(Enum):
    SINGLE_CHOICE = strawberry.enum_value("single_choice", description="Choose one answer.")
    MULTIPLE_RESPONSE = strawberry.enum_value(
        "multiple_response", description="Mark several answers (`marksRequired` of them)."
    )


@strawberry.enum(description="How hard a question is.")
class TheoryDifficulty(Enum):
    EASY = strawberry.enum_value("easy", description="Easy.")
    MEDIUM = strawberry.enum_value("medium", description="Medium.")
    HARD = strawberry.enum_value("hard", description="Hard.")


@strawberry.enum(description="What kind of media a question shows.")
class TheoryMediaKind(Enum):
    IMAGE = strawberry.enum_value("image", description="A picture (a sign, a road layout…).")
    VIDEO = strawberry.enum_value("video", description="A short silent clip (a video question).")


@strawberry.enum(description="Which bank a question or clip belongs to.")
class TheoryBank(Enum):
    SHARED = strawberry.enum_value(
        "shared", description="The platform's bank, seen by every school."
    )
    SCHOOL = strawberry.enum_value("school", description="Your school's own bank, seen only by it.")


@strawberry.enum(description="Where a test is in its life.")
class TheoryTestStatus(Enum):
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Running: answers are accepted.")
    SUBMITTED = strawberry.enum_value("submitted", description="Handed in by the student.")
    EXPIRED = strawberry.enum_value("expired", description="Ended by the server when time ran out.")


@strawberry.enum(description="How a student is doing in a topic.")
class TheoryTopicStatus(Enum):
    NOT_STARTED = strawberry.enum_value("not_started", description="No questions answered yet.")
    WEAK = strawberry.enum_value("weak", description="Estimated accuracy below 70%.")
    DEVELOPING = strawberry.enum_value("developing", description="Neither weak nor strong yet.")
    STRONG = strawberry.enum_value(
        "strong", description="Estimated accuracy 90% or more over at least 10 answers."
    )


@strawberry.enum(description="The band a predicted pass probability falls in.")
class TheoryReadinessLevel(Enum):
    LOW = strawberry.enum_value("low", description="Below 40%.")
    MEDIUM = strawberry.enum_value("medium", description="40% to 80%.")
    HIGH = strawberry.enum_value("high", description="80% or more: ready.")


@strawberry.enum(description="What a study recommendation asks for.")
class TheoryRecommendationKind(Enum):
    PRACTISE_TOPIC = strawberry.enum_value("practise_topic", description="Practise a weak topic.")
    START_TOPIC = strawberry.enum_value("start_topic", description="Start an untouched topic.")
    TAKE_MOCK_TEST = strawberry.enum_value("take_mock_test", description="Take a mock test.")
    PRACTISE_HAZARD_PERCEPTION = strawberry.enum_value(
        "practise_hazard_perception", description="Take a hazard perception test."
    )
    BOOK_THEORY_TEST = strawberry.enum_value(
        "book_theory_test", description="Ready: book the real test."
    )


@strawberry.enum(description="Why a hazard clip's clicks scored nothing.")
class HazardDisqualification(Enum):
    TOO_MANY_CLICKS = strawberry.enum_value(
        "too_many_clicks", description="More than 10 clicks in the clip."
    )
    CLICK_BURST = strawberry.enum_value(
        "click_burst", description="5 or more clicks within 2 seconds (continuous clicking)."
    )
    REGULAR_CLICKING = strawberry.enum_value(
        "regular_clicking", description="5 or more clicks at near-constant intervals (a pattern)."
    )


@strawberry.enum(description="What moved a student's progress.")
class TheoryProgressChange(Enum):
    MOCK_TEST_FINALISED = strawberry.enum_value(
        "theory.mock_test.finalised", description="A mock test was submitted or expired."
    )
    HAZARD_TEST_FINALISED = strawberry.enum_value(
        "theory.hazard_test.finalised", description="A hazard perception test ended."
    )


# -- the bank ------------------------------------------------------------------------------------


@strawberry.type(description="One of the 14 topics of the theory test.")
class TheoryCategory(Node):
    model: strawberry.Private[models.TheoryCategory]

    @strawberry.field(description="Stable code, e.g. `vulnerable_road_users`.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Display name.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(description="What the topic covers.")
    def description(self) -> str | None:
        return self.model.description

    @strawberry.field(description="Display order, 1 first.")
    def order(self) -> int:
        return self.model.display_order

    @strawberry.field(description="Inactive topics are hidden from practice and tests.")
    def active(self) -> bool:
        return self.model.active

    @strawberry.field(description="Active questions in this topic that you can see.")
    async def question_count(self, info: Info) -> int:
        return await info.context.loaders[QuestionCountByCategoryLoader].load(self.model.id)


@strawberry.type(description="Where a bank's content came from.")
class TheorySource(Node):
    model: strawberry.Private[models.TheorySource]

    @strawberry.field(description="The bank's name, e.g. 'Clutch sample bank'.")
    def name(self) -> str:
        return self.model.name

    @strawberry.field(
        description="True only for the licensed DVSA revision bank. The sample bank is unofficial."
    )
    def official(self) -> bool:
        return self.model.official

    @strawberry.field(description="The notice to show with its questions.")
    def notice(self) -> str | None:
        return self.model.notice

    @strawberry.field(description="When it was last imported.")
    def imported_at(self) -> datetime:
        return self.model.imported_at


@strawberry.type(description="An answer option.")
class TheoryOption:
    key: str = strawberry.field(description="A to F.")
    text: str = strawberry.field(description="The option as shown.")


@strawberry.type(description="An image or video shown with a question.")
class TheoryMedia:
    kind: TheoryMediaKind = strawberry.field(description="Image or video.")
    url: str = strawberry.field(description="Where to load it from.")
    description: str | None = strawberry.field(description="Alternative text.")


@strawberry.type(description="The correct answer of a question, for those who manage its bank.")
class TheoryAnswerKey:
    correct_option_keys: list[str] = strawberry.field(description="The correct options' keys.")
    explanation: str = strawberry.field(description="Why.")


@strawberry.type(
    description="A multiple-choice question. Carries no answer: see `answerKey` (bank managers), "
    "practice feedback, and a finished test's `review`."
)
class TheoryQuestion(Node):
    model: strawberry.Private[models.TheoryQuestion]

    @strawberry.field(description="The question's stable id in its bank's import/export file.")
    def external_id(self) -> str:
        return self.model.external_id

    @strawberry.field(description="The topic.")
    async def category(self, info: Info) -> TheoryCategory | None:
        found = await info.context.loaders[CategoryByIdLoader].load(self.model.category_id)
        return TheoryCategory(model=found) if found else None

    @strawberry.field(description="The shared bank, or your school's own.")
    def bank(self) -> TheoryBank:
        return TheoryBank.SHARED if self.model.school_id is None else TheoryBank.SCHOOL

    @strawberry.field(description="Single choice or multiple response.")
    def type(self) -> TheoryQuestionType:
        return TheoryQuestionType(self.model.question_type)

    @strawberry.field(description="The question.")
    def text(self) -> str:
        return self.model.text

    @strawberry.field(description="An image or video to show with it; video questions play a clip.")
    def media(self) -> TheoryMedia | None:
        if self.model.media_kind is None or self.model.media_url is None:
            return None
        return TheoryMedia(
            kind=TheoryMediaKind(self.model.media_kind),
            url=self.model.media_url,
            description=self.model.media_description,
        )

    @strawberry.field(description="The options, A first.")
    def options(self) -> list[TheoryOption]:
        return [TheoryOption(key=o["key"], text=o["text"]) for o in self.model.options]

    @strawberry.field(description="How many options to mark (the text says so too).")
    def marks_required(self) -> int:
        return answers.required_marks(self.model)

    @strawberry.field(description="Easy, medium or hard.")
    def difficulty(self) -> TheoryDifficulty:
        return TheoryDifficulty(self.model.difficulty)

    @strawberry.field(description="Where the rule comes from (Highway Code rule, GOV.UK guide).")
    def reference(self) -> str:
        return self.model.reference

    @strawberry.field(description="Short lowercase tags.")
    def tags(self) -> list[str]:
        return list(self.model.tags)

    @strawberry.field(description="False once retired: no longer drawn for practice or tests.")
    def active(self) -> bool:
        return self.model.active

    @strawberry.field(description="Where it came from, with its official/unofficial notice.")
    async def source(self, info: Info) -> TheorySource | None:
        if self.model.source_id is None:
            return None
        found = await info.context.loaders[SourceByIdLoader].load(self.model.source_id)
        return TheorySource(model=found) if found else None

    @strawberry.field(
        description="The correct answer and explanation: for those who manage this question's bank "
        "(platform admins for the shared bank, the school's admins for its own), null for everyone else."
    )
    def answer_key(self, info: Info) -> TheoryAnswerKey | None:
        actor = info.context.actor
        if actor is None or not access.can_manage_bank(actor, self.model.school_id):
            return None
        return TheoryAnswerKey(
            correct_option_keys=sorted(self.model.answer), explanation=self.model.explanation
        )

    @strawberry.field(description="When it was added.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it last changed.")
    def updated_at(self) -> datetime:
        return self.model.updated_at


@strawberry.type(description="A hazard in a clip and its five scoring windows.")
class HazardClipHazard:
    position: int = strawberry.field(description="1, or 2 for a clip's second hazard.")
    description: str = strawberry.field(description="What develops.")
    windows: list[float] = strawberry.field(
        description="Six increasing times in seconds: [w0,w1) scores 5 … [w4,w5) scores 1."
    )


def _hazards(rows: list[models.HazardClipHazard]) -> list[HazardClipHazard]:
    return [
        HazardClipHazard(
            position=h.position, description=h.description, windows=[w / 1000 for w in h.windows_ms]
        )
        for h in rows
    ]


@strawberry.type(description="A hazard perception clip (metadata; the video is at `mediaUrl`).")
class HazardClip(Node):
    model: strawberry.Private[models.HazardClip]

    @strawberry.field(description="The clip's stable id in its bank's import/export file.")
    def external_id(self) -> str:
        return self.model.external_id

    @strawberry.field(description="What the clip shows.")
    def title(self) -> str:
        return self.model.title

    @strawberry.field(description="Where to stream the clip from.")
    def media_url(self) -> str:
        return self.model.media_url

    @strawberry.field(description="Its length in seconds.")
    def duration_seconds(self) -> float:
        return self.model.duration_ms / 1000

    @strawberry.field(description="The shared bank, or your school's own.")
    def bank(self) -> TheoryBank:
        return TheoryBank.SHARED if self.model.school_id is None else TheoryBank.SCHOOL

    @strawberry.field(description="False once retired.")
    def active(self) -> bool:
        return self.model.active

    @strawberry.field(
        description="Its hazards and scoring windows: for those who manage its bank, null otherwise."
    )
    async def hazards(self, info: Info) -> list[HazardClipHazard] | None:
        actor = info.context.actor
        if actor is None or not access.can_manage_bank(actor, self.model.school_id):
            return None
        return _hazards(await info.context.loaders[HazardsByClipLoader].load(self.model.id))


@strawberry.type(description="A school's mock-test format.")
class TheoryTestFormat:
    model: strawberry.Private[TestFormat]

    @strawberry.field(description="Questions per test (14 to 100; the real test has 50).")
    def question_count(self) -> int:
        return self.model.question_count

    @strawberry.field(description="Minutes allowed (5 to 180; the real test allows 57).")
    def time_limit_minutes(self) -> int:
        return self.model.time_limit_minutes

    @strawberry.field(description="Correct answers needed to pass (the real test: 43).")
    def pass_mark(self) -> int:
        return self.model.pass_mark

    @strawberry.field(description="False when the school uses the real test's format.")
    def is_custom(self) -> bool:
        return self.model.custom


@strawberry.type(description="Immediate feedback on a practice answer.")
class PracticeFeedback:
    model: strawberry.Private[PracticeOutcome]

    @strawberry.field(description="Whether your answer was right.")
    def correct(self) -> bool:
        return self.model.answer.is_correct

    @strawberry.field(description="What you chose.")
    def selected_option_keys(self) -> list[str]:
        return list(self.model.answer.selected)

    @strawberry.field(description="The right answer.")
    def correct_option_keys(self) -> list[str]:
        return sorted(self.model.question.answer)

    @strawberry.field(description="Why it is right.")
    def explanation(self) -> str:
        return self.model.question.explanation

    @strawberry.field(description="Where the rule comes from.")
    def reference(self) -> str:
        return self.model.question.reference

    @strawberry.field(description="The question.")
    def question(self) -> TheoryQuestion:
        return TheoryQuestion(model=self.model.question)

    @strawberry.field(description="When you answered.")
    def answered_at(self) -> datetime:
        return self.model.answer.answered_at


# -- mock tests ----------------------------------------------------------------------------------


@strawberry.type(description="A finished test's verdict on one question.")
class MockTestQuestionReview:
    correct: bool = strawberry.field(description="Whether the answer given was right.")
    correct_option_keys: list[str] = strawberry.field(description="The right answer.")
    explanation: str = strawberry.field(description="Why.")


async def _finalised_mock(info: Info, test_id: Any) -> models.MockTest | None:
    test = await info.context.loaders[MockTestByIdLoader].load(test_id)
    return test if test is not None and test.status != "in_progress" else None


async def _answers_closed(info: Info, test: models.MockTest | models.HazardTest) -> bool:
    """A finished test's answers are closed to its student while another of their tests
    of that kind runs (they would answer it, which is why practice closes too)."""
    actor = info.context.actor
    if actor is None or actor.user_id != test.student_id:
        return False
    running = (
        RunningMockTestLoader if isinstance(test, models.MockTest) else RunningHazardTestLoader
    )
    return await info.context.loaders[running].load(test.student_id)


@strawberry.type(description="A question of a mock test, with the student's answer.")
class MockTestQuestion(Node):
    model: strawberry.Private[models.MockTestQuestion]

    @strawberry.field(description="1 to the test's question count.")
    def position(self) -> int:
        return self.model.position

    @strawberry.field(description="The question (with no answer).")
    async def question(self, info: Info) -> TheoryQuestion | None:
        found = await info.context.loaders[QuestionByIdLoader].load(self.model.question_id)
        return TheoryQuestion(model=found) if found else None

    @strawberry.field(description="The options chosen; empty when unanswered.")
    def selected_option_keys(self) -> list[str]:
        return list(self.model.selected or [])

    @strawberry.field(description="Whether the student has answered it.")
    def answered(self) -> bool:
        return self.model.selected is not None

    @strawberry.field(description="Flagged to revisit before submitting.")
    def flagged(self) -> bool:
        return self.model.flagged

    @strawberry.field(description="When the current answer was given.")
    def answered_at(self) -> datetime | None:
        return self.model.answered_at

    @strawberry.field(description="Time spent on it so far, in milliseconds (all visits).")
    def time_spent_ms(self) -> int:
        return self.model.time_spent_ms

    @strawberry.field(
        description="Whether the answer was right, the right answer and why: null until the test "
        "is submitted or has expired, and null to its student while another of their mock "
        "tests runs."
    )
    async def review(self, info: Info) -> MockTestQuestionReview | None:
        test = await _finalised_mock(info, self.model.test_id)
        if test is None or await _answers_closed(info, test):
            return None
        question = await info.context.loaders[QuestionByIdLoader].load(self.model.question_id)
        if question is None:
            return None
        return MockTestQuestionReview(
            correct=bool(self.model.is_correct),
            correct_option_keys=sorted(question.answer),
            explanation=question.explanation,
        )


@strawberry.type(description="How a finished test went in one topic.")
class MockTestTopicResult:
    category: TheoryCategory = strawberry.field(description="The topic.")
    questions: int = strawberry.field(description="Questions drawn from it.")
    correct: int = strawberry.field(description="Answered correctly.")


@strawberry.type(description="The result of a finished mock test.")
class MockTestResult:
    model: strawberry.Private[models.MockTest]

    @strawberry.field(description="Correct answers.")
    def score(self) -> int:
        return self.model.score or 0

    @strawberry.field(description="Correct answers needed to pass.")
    def pass_mark(self) -> int:
        return self.model.pass_mark

    @strawberry.field(description="Questions in the test.")
    def question_count(self) -> int:
        return self.model.question_count

    @strawberry.field(description="Whether the score reached the pass mark.")
    def passed(self) -> bool:
        return bool(self.model.passed)

    @strawberry.field(description="From the start to submission (or to the deadline), seconds.")
    def time_taken_seconds(self) -> int:
        end = self.model.finalised_at or self.model.expires_at
        return max(0, round((end - self.model.started_at).total_seconds()))

    @strawberry.field(description="The score per topic, in topic order.")
    async def topics(self, info: Info) -> list[MockTestTopicResult]:
        rows = await info.context.loaders[MockTestQuestionsByTestLoader].load(self.model.id)
        tally: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            tally[row.category_id][0] += 1
            tally[row.category_id][1] += int(bool(row.is_correct))
        categories = await info.context.loaders[CategoryByIdLoader].load_many(list(tally))
        results = [
            MockTestTopicResult(
                category=TheoryCategory(model=c), questions=tally[c.id][0], correct=tally[c.id][1]
            )
            for c in categories
            if c is not None
        ]
        return sorted(results, key=lambda r: r.category.model.display_order)


@strawberry.type(
    description="A mock test: drawn across every topic, timed by the server. Answers and "
    "correctness stay hidden until it is submitted or expires."
)
class MockTest(Node):
    model: strawberry.Private[models.MockTest]

    @strawberry.field(description="Running, submitted or expired.")
    def status(self) -> TheoryTestStatus:
        return TheoryTestStatus(self.model.status)

    @strawberry.field(description="The student taking it.")
    async def student(self, info: Info) -> User | None:
        return user_or_none(await info.context.loaders[UserByIdLoader].load(self.model.student_id))

    @strawberry.field(description="When it started (server time).")
    def started_at(self) -> datetime:
        return self.model.started_at

    @strawberry.field(description="When the server stops accepting answers.")
    def expires_at(self) -> datetime:
        return self.model.expires_at

    @strawberry.field(description="When it was submitted, or the deadline it expired at.")
    def finalised_at(self) -> datetime | None:
        return self.model.finalised_at

    @strawberry.field(description="Seconds left by the server's clock; 0 once it has ended.")
    def seconds_remaining(self) -> int:
        if self.model.status != "in_progress":
            return 0
        left = (self.model.expires_at - clock.utcnow()).total_seconds()
        return max(0, int(left))

    @strawberry.field(description="Questions in the test.")
    def question_count(self) -> int:
        return self.model.question_count

    @strawberry.field(description="Minutes allowed.")
    def time_limit_minutes(self) -> int:
        return self.model.time_limit_seconds // 60

    @strawberry.field(description="Correct answers needed to pass.")
    def pass_mark(self) -> int:
        return self.model.pass_mark

    @strawberry.field(description="Questions answered so far.")
    async def answered_count(self, info: Info) -> int:
        rows = await info.context.loaders[MockTestQuestionsByTestLoader].load(self.model.id)
        return sum(1 for row in rows if row.selected is not None)

    @strawberry.field(description="Questions flagged to revisit.")
    async def flagged_count(self, info: Info) -> int:
        rows = await info.context.loaders[MockTestQuestionsByTestLoader].load(self.model.id)
        return sum(1 for row in rows if row.flagged)

    @strawberry.field(description="The questions in order, with the answers given so far.")
    async def questions(self, info: Info) -> list[MockTestQuestion]:
        rows = await info.context.loaders[MockTestQuestionsByTestLoader].load(self.model.id)
        return [MockTestQuestion(model=row) for row in rows]

    @strawberry.field(description="The result: null until the test is submitted or has expired.")
    def result(self) -> MockTestResult | None:
        if self.model.status == "in_progress":
            return None
        return MockTestResult(model=self.model)


# -- hazard perception ---------------------------------------------------------------------------


@strawberry.type(description="How one hazard of a clip was scored.")
class HazardScore:
    position: int = strawberry.field(description="1, or 2 for a clip's second hazard.")
    score: int = strawberry.field(description="0 to 5.")
    windows: list[float] = strawberry.field(description="Its six window edges, seconds.")


@strawberry.type(description="A finished test's verdict on one clip.")
class HazardClipReview:
    score: int = strawberry.field(description="Points for the clip.")
    disqualified: HazardDisqualification | None = strawberry.field(
        description="Why the clicking scored nothing, if it did."
    )
    hazards: list[HazardScore] = strawberry.field(description="Each hazard's score and windows.")


@strawberry.type(description="A clip of a hazard perception test, with the student's clicks.")
class HazardTestClip(Node):
    model: strawberry.Private[models.HazardTestClip]

    @strawberry.field(description="1 to 14.")
    def position(self) -> int:
        return self.model.position

    @strawberry.field(description="The clip to play.")
    async def clip(self, info: Info) -> HazardClip | None:
        found = await info.context.loaders[HazardClipByIdLoader].load(self.model.clip_id)
        return HazardClip(model=found) if found else None

    @strawberry.field(description="Whether the clicks for it were sent.")
    def responded(self) -> bool:
        return self.model.responded_at is not None

    @strawberry.field(description="When they were sent.")
    def responded_at(self) -> datetime | None:
        return self.model.responded_at

    @strawberry.field(description="The clicks sent, seconds into the clip.")
    def click_times(self) -> list[float]:
        return [ms / 1000 for ms in self.model.clicks_ms or []]

    @strawberry.field(
        description="Its score and windows: null until the test has ended, and null to its "
        "student while another of their hazard perception tests runs."
    )
    async def review(self, info: Info) -> HazardClipReview | None:
        test = await info.context.loaders[HazardTestByIdLoader].load(self.model.test_id)
        if test is None or test.status == "in_progress" or await _answers_closed(info, test):
            return None
        hazards = await info.context.loaders[HazardsByClipLoader].load(self.model.clip_id)
        scores = list(self.model.hazard_scores or [0] * len(hazards))
        return HazardClipReview(
            score=self.model.score or 0,
            disqualified=HazardDisqualification(self.model.disqualified)
            if self.model.disqualified
            else None,
            hazards=[
                HazardScore(
                    position=h.position,
                    score=scores[i] if i < len(scores) else 0,
                    windows=[w / 1000 for w in h.windows_ms],
                )
                for i, h in enumerate(hazards)
            ],
        )


@strawberry.type(description="The result of a finished hazard perception test.")
class HazardTestResult:
    score: int = strawberry.field(description="Points, 0 to `maxScore`.")
    max_score: int = strawberry.field(description="75: 15 hazards of 5 points.")
    pass_mark: int = strawberry.field(description="Points needed to pass (44).")
    passed: bool = strawberry.field(description="Whether the score reached the pass mark.")


@strawberry.type(
    description="A hazard perception test: 14 clips with 15 hazards. Scores stay hidden until "
    "it ends."
)
class HazardTest(Node):
    model: strawberry.Private[models.HazardTest]

    @strawberry.field(description="Running, submitted or expired.")
    def status(self) -> TheoryTestStatus:
        return TheoryTestStatus(self.model.status)

    @strawberry.field(description="The student taking it.")
    async def student(self, info: Info) -> User | None:
        return user_or_none(await info.context.loaders[UserByIdLoader].load(self.model.student_id))

    @strawberry.field(description="When it started.")
    def started_at(self) -> datetime:
        return self.model.started_at

    @strawberry.field(description="When the server stops accepting clicks.")
    def expires_at(self) -> datetime:
        return self.model.expires_at

    @strawberry.field(description="When it was submitted, or the deadline it expired at.")
    def finalised_at(self) -> datetime | None:
        return self.model.finalised_at

    @strawberry.field(description="The clips in order.")
    async def clips(self, info: Info) -> list[HazardTestClip]:
        rows = await info.context.loaders[HazardTestClipsByTestLoader].load(self.model.id)
        return [HazardTestClip(model=row) for row in rows]

    @strawberry.field(description="The result: null until the test has ended.")
    def result(self) -> HazardTestResult | None:
        if self.model.status == "in_progress":
            return None
        return HazardTestResult(
            score=self.model.score or 0,
            max_score=self.model.max_score,
            pass_mark=self.model.pass_mark,
            passed=bool(self.model.passed),
        )


# -- progress ------------------------------------------------------------------------------------


@strawberry.type(description="A student's progress in one topic.")
class TheoryTopicProgress:
    model: strawberry.Private[progress_service.TopicView]

    @strawberry.field(description="The topic.")
    def category(self) -> TheoryCategory:
        return TheoryCategory(model=self.model.category)

    @strawberry.field(description="Questions answered (practice and finished mock tests).")
    def attempted(self) -> int:
        return self.model.attempted

    @strawberry.field(description="Of those, answered correctly.")
    def correct(self) -> int:
        return self.model.correct

    @strawberry.field(description="correct / attempted, 0 to 1; null before the first answer.")
    def accuracy(self) -> float | None:
        return self.model.accuracy

    @strawberry.field(description="Average time per answer in milliseconds.")
    def average_time_ms(self) -> int | None:
        return self.model.average_time_ms

    @strawberry.field(description="When the topic was last practised.")
    def last_practised_at(self) -> datetime | None:
        return self.model.last_practised_at

    @strawberry.field(
        description="Accuracy shrunk toward 60% for few answers (docs/theory-readiness.md)."
    )
    def estimated_accuracy(self) -> float:
        return self.model.estimate

    @strawberry.field(description="Not started, weak, developing or strong.")
    def status(self) -> TheoryTopicStatus:
        return TheoryTopicStatus(self.model.status.value)


@strawberry.type(description="The predicted chance of passing the multiple-choice part.")
class TheoryReadiness:
    model: strawberry.Private[readiness_service.Readiness]

    @strawberry.field(description="0 to 1, by the formula in docs/theory-readiness.md.")
    def pass_probability(self) -> float:
        return self.model.probability

    @strawberry.field(description="Low (< 0.4), medium, or high (≥ 0.8).")
    def level(self) -> TheoryReadinessLevel:
        return TheoryReadinessLevel(self.model.level.value)

    @strawberry.field(description="Whether the probability reaches the ready threshold (0.8).")
    def ready(self) -> bool:
        return self.model.probability >= readiness_service.READY_FROM

    @strawberry.field(description="Mean estimated accuracy over the topics, 0 to 1.")
    def knowledge(self) -> float:
        return self.model.knowledge

    @strawberry.field(description="Mean score ratio of the last 5 finished mock tests.")
    def recent_mock_average(self) -> float | None:
        return self.model.mock_average


@strawberry.type(description="What to study next.")
class TheoryRecommendation:
    model: strawberry.Private[readiness_service.Recommendation]
    categories: strawberry.Private[dict[Any, Any]]

    @strawberry.field(description="What it asks for.")
    def kind(self) -> TheoryRecommendationKind:
        return TheoryRecommendationKind(self.model.kind.value)

    @strawberry.field(description="The topic it points at, if any.")
    def category(self) -> TheoryCategory | None:
        found = self.categories.get(self.model.topic)
        return TheoryCategory(model=found) if found else None

    @strawberry.field(description="In words, for the student.")
    def message(self) -> str:
        return self.model.message


@strawberry.type(description="A student's finished tests of one kind.")
class TheoryTestSummary:
    model: strawberry.Private[progress_service.TestSummary]

    @strawberry.field(description="Tests finished (submitted or expired).")
    def taken(self) -> int:
        return self.model.taken

    @strawberry.field(description="Tests passed.")
    def passed(self) -> int:
        return self.model.passed

    @strawberry.field(description="Best score.")
    def best_score(self) -> int | None:
        return self.model.best_score

    @strawberry.field(description="Latest score.")
    def last_score(self) -> int | None:
        return self.model.last_score

    @strawberry.field(description="When the latest one finished.")
    def last_taken_at(self) -> datetime | None:
        return self.model.last_finalised_at


@strawberry.type(description="A student's theory progress and readiness.")
class TheoryProgress(Node):
    model: strawberry.Private[progress_service.ProgressView]

    @strawberry.field(description="The student.")
    async def student(self, info: Info) -> User | None:
        return user_or_none(await info.context.loaders[UserByIdLoader].load(self.model.student_id))

    @strawberry.field(description="Questions answered, all topics.")
    def questions_attempted(self) -> int:
        return self.model.attempted

    @strawberry.field(description="Of those, answered correctly.")
    def questions_correct(self) -> int:
        return self.model.correct

    @strawberry.field(description="Overall accuracy, 0 to 1; null before the first answer.")
    def accuracy(self) -> float | None:
        return self.model.correct / self.model.attempted if self.model.attempted else None

    @strawberry.field(description="Every active topic, in topic order.")
    def topics(self) -> list[TheoryTopicProgress]:
        return [TheoryTopicProgress(model=t) for t in self.model.topics]

    @strawberry.field(description="Topics estimated below 70%, weakest first.")
    def weak_topics(self) -> list[TheoryTopicProgress]:
        weak = self.model.with_status(readiness_service.TopicStatus.WEAK)
        return [TheoryTopicProgress(model=t) for t in sorted(weak, key=lambda t: t.estimate)]

    @strawberry.field(description="Topics estimated at 90% or more over at least 10 answers.")
    def strong_topics(self) -> list[TheoryTopicProgress]:
        strong = self.model.with_status(readiness_service.TopicStatus.STRONG)
        return [TheoryTopicProgress(model=t) for t in strong]

    @strawberry.field(description="The predicted pass probability.")
    def readiness(self) -> TheoryReadiness:
        return TheoryReadiness(model=self.model.readiness)

    @strawberry.field(description="What to study next, most useful first.")
    def recommendations(self) -> list[TheoryRecommendation]:
        categories = {t.category.id: t.category for t in self.model.topics}
        return [
            TheoryRecommendation(model=r, categories=categories) for r in self.model.recommendations
        ]

    @strawberry.field(description="Finished mock tests.")
    def mock_tests(self) -> TheoryTestSummary:
        return TheoryTestSummary(model=self.model.mock_tests)

    @strawberry.field(description="Finished hazard perception tests.")
    def hazard_tests(self) -> TheoryTestSummary:
        return TheoryTestSummary(model=self.model.hazard_tests)


@strawberry.type(description="A student's progress, pushed when one of their tests ends.")
class TheoryProgressEvent:
    event_id: str = strawberry.field(
        description="Pass it as `after` when you reconnect to receive what you missed."
    )
    change: TheoryProgressChange = strawberry.field(description="What happened.")
    progress: TheoryProgress = strawberry.field(description="The progress as it is now.")
    mock_test: MockTest | None = strawberry.field(
        description="The mock test that ended, if one did."
    )
    hazard_test: HazardTest | None = strawberry.field(
        description="The hazard perception test that ended, if one did."
    )


# -- node(id:) -----------------------------------------------------------------------------------


def _wrap(kind: Any) -> Any:
    def wrap(model: Any) -> Any:
        return kind(model=model) if model is not None else None

    return wrap


async def _category(info: Info, pk: Any) -> Any:
    return _wrap(TheoryCategory)(await bank_resolvers.category(info, pk))


async def _question(info: Info, pk: Any) -> Any:
    return _wrap(TheoryQuestion)(await bank_resolvers.question(info, pk))


async def _source(info: Info, pk: Any) -> Any:
    return _wrap(TheorySource)(await bank_resolvers.source(info, pk))


async def _clip(info: Info, pk: Any) -> Any:
    return _wrap(HazardClip)(await bank_resolvers.hazard_clip(info, pk))


async def _mock_test(info: Info, pk: Any) -> Any:
    return _wrap(MockTest)(await test_resolvers.mock_test(info, pk))


async def _mock_test_question(info: Info, pk: Any) -> Any:
    return _wrap(MockTestQuestion)(await test_resolvers.mock_test_question(info, pk))


async def _hazard_test(info: Info, pk: Any) -> Any:
    return _wrap(HazardTest)(await test_resolvers.hazard_test(info, pk))


async def _hazard_test_clip(info: Info, pk: Any) -> Any:
    return _wrap(HazardTestClip)(await test_resolvers.hazard_test_clip(info, pk))


async def _progress(info: Info, pk: Any) -> Any:
    return _wrap(TheoryProgress)(await progress_resolvers.progress_of(info, pk))


register_node("TheoryCategory", _category)
register_node("TheoryQuestion", _question)
register_node("TheorySource", _source)
register_node("HazardClip", _clip)
register_node("MockTest", _mock_test)
register_node("MockTestQuestion", _mock_test_question)
register_node("HazardTest", _hazard_test)
register_node("HazardTestClip", _hazard_test_clip)
register_node("TheoryProgress", _progress)
