"""The theory bank file, format version 1: one UTF-8 JSON document (docs/theory-bank-format.md).

The pydantic models below are the format's single source of truth: the importer
validates with them, the exporter writes through them, and the published JSON Schema
(docs/theory-bank.schema.json) is generated from them (`clutch theory schema`; a test
fails when the committed schema drifts). Rules one JSON Schema cannot express (an answer
names an existing option, two hazards do not overlap…) are the ``*_problems`` functions,
which the importer and the admin mutations share.

Validation is strict: unknown keys are errors (typos are caught), ``"1"`` is not a number
and ``1`` is not a boolean.
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from services.theory.topics import TOPIC_CODES

FORMAT_NAME = "clutch-theory-bank"
FORMAT_VERSION = 1
SCHEMA_ID = "https://clutch.invalid/schemas/theory-bank-v1.json"

OPTION_KEYS = ("A", "B", "C", "D", "E", "F")
TopicCode = Literal[
    "alertness",
    "attitude",
    "safety_and_your_vehicle",
    "safety_margins",
    "hazard_awareness",
    "vulnerable_road_users",
    "other_types_of_vehicle",
    "road_conditions_and_vehicle_handling",
    "motorway_driving",
    "rules_of_the_road",
    "road_and_traffic_signs",
    "essential_documents",
    "incidents_accidents_and_emergencies",
    "vehicle_loading",
]
ItemId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9._-]{3,100}$",
        description="Stable key, 3–100 characters of A–Z, a–z, 0–9, '.', '_' and '-'. "
        "Re-importing updates the item with this id in the same bank.",
    ),
]
HttpsUrl = Annotated[
    str, Field(pattern=r"^https://[^\s]+$", max_length=2000, description="An https:// URL.")
]
Tag = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]+([ -][a-z0-9]+)*$",
        max_length=40,
        description="A short lowercase word or phrase (letters, digits, spaces, hyphens).",
    ),
]


def _text(max_length: int, description: str) -> Any:
    return Field(min_length=1, max_length=max_length, description=description)


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        str_strip_whitespace=False,
    )


class BankSource(_Strict):
    """Where the content comes from."""

    name: str = _text(200, "The bank's name, e.g. 'Clutch sample bank'.")
    official: bool = Field(
        description="True only for the licensed DVSA revision bank; sample content is false."
    )
    notice: str | None = Field(
        default=None, max_length=2000, description="Shown with the questions, e.g. 'unofficial'."
    )


class BankCategory(_Strict):
    """One of the 14 topics. Only the shared bank may rename or reorder them."""

    code: TopicCode = Field(description="The topic's fixed code.")
    name: str = _text(100, "Display name.")
    order: int = Field(ge=1, le=100, description="Display order, 1 first.")
    description: str | None = Field(default=None, max_length=1000, description="What it covers.")
    active: bool = Field(default=True, description="Extension: false hides the topic.")


class BankOption(_Strict):
    """One answer option."""

    key: Literal["A", "B", "C", "D", "E", "F"] = Field(description="A…F, in order.")
    text: str = _text(300, "The option as shown.")


class BankMedia(_Strict):
    """An image or a (silent) video clip shown with the question."""

    kind: Literal["image", "video"] = Field(description="A video makes it a video-clip question.")
    url: HttpsUrl
    description: str = _text(500, "Alternative text describing the media.")


class BankQuestion(_Strict):
    """A multiple-choice question."""

    id: ItemId
    category: TopicCode = Field(description="The topic's code.")
    type: Literal["single_choice", "multiple_response"] = Field(
        description="single_choice: one answer; multiple_response: two or more, and the text "
        "says how many to mark ('Mark two answers')."
    )
    text: str = _text(1000, "The question.")
    media: BankMedia | None = Field(default=None, description="Optional image or video.")
    options: list[BankOption] = Field(min_length=2, max_length=6, description="2 to 6 options.")
    answer: list[Literal["A", "B", "C", "D", "E", "F"]] = Field(
        min_length=1, max_length=5, description="The keys of the correct options."
    )
    explanation: str = _text(2000, "Why the answer is right, shown after answering.")
    difficulty: Literal["easy", "medium", "hard"] = Field(description="How hard it is.")
    reference: str = _text(
        300, "Where the rule comes from: a Highway Code rule or a named GOV.UK guide."
    )
    tags: list[Tag] = Field(default_factory=list, max_length=10, description="Up to 10 tags.")
    active: bool = Field(default=True, description="False retires the question.")


class BankHazard(_Strict):
    """A scoreable hazard and its five scoring windows."""

    description: str = _text(500, "What develops, for reviewers.")
    windows: list[float] = Field(
        min_length=6,
        max_length=6,
        description="Six increasing times in seconds: [w0,w1) scores 5, [w1,w2) 4, [w2,w3) 3, "
        "[w3,w4) 2, [w4,w5) 1; before w0 or from w5 on scores 0. Millisecond precision.",
    )


class BankHazardClip(_Strict):
    """Metadata of a hazard-perception clip (the video itself is not part of the file)."""

    id: ItemId
    title: str = _text(200, "What the clip shows.")
    media_url: HttpsUrl
    duration_seconds: float = Field(gt=0, le=600, description="The clip's length in seconds.")
    hazards: list[BankHazard] = Field(min_length=1, max_length=2, description="1 or 2 hazards.")
    active: bool = Field(default=True, description="False retires the clip.")


class BankFile(_Strict):
    """A Clutch theory bank file."""

    model_config = ConfigDict(
        title="Clutch theory bank file, format version 1",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    format: Literal["clutch-theory-bank"] = Field(description="Always 'clutch-theory-bank'.")
    version: Literal[1] = Field(description="Format version: 1.")
    source: BankSource
    categories: list[BankCategory] | None = Field(
        default=None,
        description="All 14 topics, or omitted when the file only adds questions to them.",
    )
    questions: list[BankQuestion] = Field(default_factory=list, description="The questions.")
    hazard_clips: list[BankHazardClip] = Field(
        default_factory=list, description="Hazard-perception clips."
    )


class BankEnvelope(_Strict):
    """The file with its rows unparsed, so each row can be checked (and reported) on its own."""

    format: Literal["clutch-theory-bank"]
    version: Literal[1]
    source: BankSource
    categories: list[Any] | None = None
    questions: list[Any] = Field(default_factory=list)
    hazard_clips: list[Any] = Field(default_factory=list)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of the format."""
    schema = BankFile.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# -- rules beyond the schema ---------------------------------------------------------------------

_HOW_MANY = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_MARK_N = re.compile(r"\b(?:mark|select|choose|tick)\s+(two|three|four|five|[2-5])\b", re.I)


def has_control_characters(value: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\n\t" for ch in value)


def question_problems(q: BankQuestion) -> list[str]:
    """What is wrong with a question beyond its shape; empty when it is sound."""
    problems: list[str] = []
    keys = [option.key for option in q.options]
    if keys != list(OPTION_KEYS[: len(keys)]):
        problems.append(f"options: keys must be {', '.join(OPTION_KEYS[: len(keys)])} in order")
    texts = [option.text.strip().casefold() for option in q.options]
    if len(set(texts)) != len(texts):
        problems.append("options: two options have the same text")
    if len(set(q.answer)) != len(q.answer):
        problems.append("answer: a key is listed twice")
    missing = sorted(set(q.answer) - set(keys))
    if missing:
        problems.append(f"answer: {', '.join(missing)} is not an option")
    if q.type == "single_choice" and len(q.answer) != 1:
        problems.append("answer: a single_choice question has exactly one answer")
    if q.type == "multiple_response":
        if len(q.answer) < 2:
            problems.append("answer: a multiple_response question has two or more answers")
        elif len(q.answer) >= len(q.options):
            problems.append("answer: at least one option must be wrong")
        else:
            said = _MARK_N.search(q.text)
            if said is None:
                problems.append(
                    f"text: a multiple_response question says how many to mark "
                    f"('Mark {_number_word(len(q.answer))} answers')"
                )
            elif _HOW_MANY[said.group(1).lower()] != len(q.answer):
                problems.append(
                    f"text: says to mark {said.group(1)} answers but the answer lists "
                    f"{len(q.answer)}"
                )
    media = (
        (("media.description", q.media.description), ("media.url", q.media.url)) if q.media else ()
    )
    for name, value in (
        ("text", q.text),
        ("explanation", q.explanation),
        ("reference", q.reference),
        *((f"options.{i}.text", option.text) for i, option in enumerate(q.options)),
        *media,
    ):
        if not value.strip():
            problems.append(f"{name}: must not be blank")
        elif has_control_characters(value):
            problems.append(f"{name}: contains control characters")
    if len(set(q.tags)) != len(q.tags):
        problems.append("tags: a tag is listed twice")
    return problems


def source_problems(source: BankSource) -> list[str]:
    return [
        f"{name}: contains control characters"
        for name, value in (("name", source.name), ("notice", source.notice))
        if value and has_control_characters(value)
    ]


def _number_word(n: int) -> str:
    return {2: "two", 3: "three", 4: "four", 5: "five"}.get(n, str(n))


def to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def clip_problems(clip: BankHazardClip) -> list[str]:
    problems: list[str] = []
    duration = to_ms(clip.duration_seconds)
    if duration < 1000:
        problems.append("durationSeconds: a clip lasts at least one second")
    spans: list[tuple[int, int]] = []
    for index, hazard in enumerate(clip.hazards):
        windows = [to_ms(w) for w in hazard.windows]
        if windows[0] < 0:
            problems.append(f"hazards.{index}.windows: times cannot be negative")
        if any(b <= a for a, b in itertools.pairwise(windows)):
            problems.append(
                f"hazards.{index}.windows: the six times must increase (by at least 1 ms)"
            )
        if windows[-1] > duration:
            problems.append(f"hazards.{index}.windows: the last time is after the clip ends")
        if not hazard.description.strip() or has_control_characters(hazard.description):
            problems.append(f"hazards.{index}.description: must be plain, non-blank text")
        spans.append((windows[0], windows[-1]))
    if len(spans) == 2:
        (_, first_end), (second_start, _) = sorted(spans)
        if second_start < first_end:
            problems.append("hazards: the windows of the two hazards overlap")
    if not clip.title.strip() or has_control_characters(clip.title):
        problems.append("title: must be plain, non-blank text")
    if has_control_characters(clip.media_url):
        problems.append("mediaUrl: contains control characters")
    return problems


def category_problems(categories: list[BankCategory]) -> list[tuple[int | None, str]]:
    """(row index or None for the whole list, reason)."""
    problems: list[tuple[int | None, str]] = []
    seen: set[str] = set()
    orders: set[int] = set()
    for index, category in enumerate(categories):
        if category.code in seen:
            problems.append((index, f"code: {category.code} is listed twice"))
        if category.order in orders:
            problems.append((index, f"order: {category.order} is used twice"))
        seen.add(category.code)
        orders.add(category.order)
        if not category.name.strip() or has_control_characters(category.name):
            problems.append((index, "name: must be plain, non-blank text"))
        if category.description and has_control_characters(category.description):
            problems.append((index, "description: contains control characters"))
    missing = [code for code in TOPIC_CODES if code not in seen]
    if missing:
        problems.append((None, f"categories: the 14 topics are all listed; missing {missing}"))
    return problems
