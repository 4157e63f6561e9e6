"""The bank file format: the published JSON Schema is the validator's, the sample bank is
valid and complete, and each rule refuses what it should."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from services.theory.bankfile import json_schema
from services.theory.importer import BankFileInvalid, read_bank_file
from services.theory.sample import sample_bank, sample_bank_bytes
from services.theory.topics import TOPIC_CODES
from tests.theory.helpers import bank

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "theory-bank.schema.json"


def _refused(document: Any) -> dict[str, list[str]]:
    with pytest.raises(BankFileInvalid) as refused:
        read_bank_file(orjson.dumps(document))
    return refused.value.by_row()


def test_the_committed_json_schema_is_the_one_the_validator_is_made_of() -> None:
    committed = json.loads(SCHEMA_FILE.read_text())

    assert committed == json_schema(), "docs/theory-bank.schema.json is stale: clutch theory schema"
    jsonschema.Draft202012Validator.check_schema(committed)


def test_the_sample_bank_is_valid_unofficial_and_covers_every_topic() -> None:
    sample = sample_bank()
    document = json.loads(sample_bank_bytes())

    jsonschema.Draft202012Validator(json_schema()).validate(document)
    assert sample.source.official is False
    assert "not the official" in (sample.source.notice or "").lower()
    per_topic = Counter(q.category for q in sample.questions)
    assert set(per_topic) == set(TOPIC_CODES)
    assert min(per_topic.values()) >= 10
    assert sum(1 for q in sample.questions if q.media and q.media.kind == "video") >= 3
    assert any(q.type == "multiple_response" for q in sample.questions)
    assert sum(1 for c in sample.hazard_clips if len(c.hazards) == 1) >= 13
    assert any(len(c.hazards) == 2 for c in sample.hazard_clips)
    assert all(q.id.startswith("sample-") for q in sample.questions)


def test_the_sample_bank_ships_inside_the_package() -> None:
    packaged = ROOT / "services" / "theory" / "data" / "sample_bank.json"

    assert packaged.read_bytes() == sample_bank_bytes()


def _good() -> dict[str, Any]:
    return bank(2, clips=2)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda q: q.update(type="multiple_response"),
            "answer: a multiple_response question has two or more answers",
        ),
        (lambda q: q.update(answer=["E"]), "answer: E is not an option"),
        (
            lambda q: q.update(
                answer=["A", "A"], type="multiple_response", text="Mark two answers."
            ),
            "answer: a key is listed twice",
        ),
        (
            lambda q: q["options"].__setitem__(1, {"key": "C", "text": "x"}),
            "options: keys must be A, B, C, D in order",
        ),
        (
            lambda q: q["options"].__setitem__(1, {"key": "B", "text": "the right THING"}),
            "options: two options have the same text",
        ),
        (lambda q: q.update(text="x" * 1001), "text: String should have at most 1000 characters"),
        (lambda q: q.update(text="Stop\x07 here"), "text: contains control characters"),
        (lambda q: q.update(explanation="   "), "explanation: must not be blank"),
        (lambda q: q.update(category="parking"), "category: Input should be 'alertness'"),
        (lambda q: q.update(id="no spaces allowed"), "id: String should match pattern"),
        (lambda q: q.update(colour="red"), "colour: is not a key of the format"),
        (lambda q: q.pop("reference"), "reference: is required"),
        (lambda q: q.update(active="yes"), "active: Input should be a valid boolean"),
        (lambda q: q.update(tags=["Night"]), "tags.0: String should match pattern"),
        (
            lambda q: q.update(
                media={"kind": "video", "url": "http://x.test/a.mp4", "description": "d"}
            ),
            "media.url: String should match pattern",
        ),
        (
            lambda q: q.update(options=q["options"][:1], answer=["A"]),
            "options: List should have at least 2 items",
        ),
        (
            lambda q: q.update(type="multiple_response", answer=["A", "B"], text="Which two?"),
            "text: a multiple_response question says how many to mark ('Mark two answers')",
        ),
        (
            lambda q: q.update(
                type="multiple_response", answer=["A", "B"], text="Mark three answers."
            ),
            "text: says to mark three answers but the answer lists 2",
        ),
    ],
)
def test_each_rule_refuses_a_bad_question_and_names_it(change: Any, reason: str) -> None:
    document = _good()
    change(document["questions"][3])

    rows = _refused(document)

    assert list(rows) == [f"questions[3] (id {document['questions'][3].get('id')})"]
    assert any(r.startswith(reason) for r in rows[next(iter(rows))]), rows


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda c: c["hazards"][0].update(windows=[1, 2, 3, 3, 4, 5]),
            "hazards.0.windows: the six times must increase",
        ),
        (
            lambda c: c["hazards"][0].update(windows=[1, 2, 3, 4, 5]),
            "hazards.0.windows: List should have at least 6 items",
        ),
        (
            lambda c: c["hazards"][0].update(windows=[55, 56, 57, 58, 59, 61]),
            "hazards.0.windows: the last time is after the clip ends",
        ),
        (lambda c: c.update(hazards=[]), "hazards: List should have at least 1 item"),
        (
            lambda c: c["hazards"].append(
                {"description": "x", "windows": [14, 15, 16, 17, 18, 19]}
            ),
            "hazards: the windows of the two hazards overlap",
        ),
        (lambda c: c.update(durationSeconds=0), "durationSeconds: Input should be greater than 0"),
    ],
)
def test_each_rule_refuses_a_bad_clip(change: Any, reason: str) -> None:
    document = _good()
    change(document["hazardClips"][0])

    rows = _refused(document)

    assert list(rows) == ["hazardClips[0] (id clip-001)"]
    assert any(r.startswith(reason) for r in rows["hazardClips[0] (id clip-001)"]), rows


def test_every_bad_row_is_listed_with_every_reason() -> None:
    document = _good()
    document["questions"][0]["answer"] = ["F"]
    document["questions"][0]["options"][3]["text"] = "The right thing"
    document["questions"][1]["difficulty"] = "trivial"
    document["questions"][1]["colour"] = "red"
    document["questions"][5] = "not an object"
    document["questions"][9]["id"] = document["questions"][2]["id"]

    rows = _refused(document)

    assert set(rows) == {
        f"questions[0] (id {document['questions'][0]['id']})",
        f"questions[1] (id {document['questions'][1]['id']})",
        "questions[5]",
        f"questions[9] (id {document['questions'][2]['id']})",
    }
    assert len(rows[f"questions[0] (id {document['questions'][0]['id']})"]) == 2
    assert len(rows[f"questions[1] (id {document['questions'][1]['id']})"]) == 2
    assert rows[f"questions[9] (id {document['questions'][2]['id']})"] == [
        "id: also used by questions[2]"
    ]


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (b"{not json", "file"),
        (b"[1, 2]", "file"),
        ({"format": "other", "version": 1, "source": {"name": "x", "official": False}}, "format"),
        (
            {
                "format": "clutch-theory-bank",
                "version": 2,
                "source": {"name": "x", "official": False},
            },
            "version",
        ),
        ({"format": "clutch-theory-bank", "version": 1}, "source"),
    ],
)
def test_a_broken_file_is_refused_as_a_whole(document: Any, where: str) -> None:
    raw = document if isinstance(document, bytes) else orjson.dumps(document)

    with pytest.raises(BankFileInvalid) as refused:
        read_bank_file(raw)

    assert [p.where for p in refused.value.problems] == [where]


def test_categories_when_given_are_all_fourteen_once() -> None:
    document = _good()
    document["categories"] = [
        *document["categories"][:13],
        copy.deepcopy(document["categories"][0]),
    ]

    rows = _refused(document)

    assert "categories[13]" in rows
    assert any("missing ['vehicle_loading']" in r for r in rows["categories"])


def test_a_file_may_omit_categories_and_hazard_clips() -> None:
    document = _good()
    del document["categories"]
    del document["hazardClips"]

    parsed = read_bank_file(orjson.dumps(document))

    assert parsed.categories is None
    assert len(parsed.questions) == 28
