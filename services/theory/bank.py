"""Admin changes to questions: create, edit, retire (and restore).

Platform admins manage the shared bank; a school's admins (SCHOOL_MANAGE) manage their
school's own bank, whose questions only that school's students see. A question is checked
by exactly the rules an imported one is (``bankfile``), so the two paths cannot drift.
Questions are retired, never deleted: finished tests keep pointing at them.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from models.theory import TheoryCategory, TheoryQuestion
from services.actor import Actor
from services.errors import DomainError, Forbidden
from services.theory import access
from services.theory.bankfile import OPTION_KEYS, BankQuestion, question_problems
from services.theory.categories import ensure_topics
from services.theory.errors import E
from services.uow import UnitOfWork

# The format's keys as the GraphQL inputs name them.
FIELDS = {
    "id": "externalId",
    "category": "categoryId",
    "type": "type",
    "text": "text",
    "media": "media",
    "options": "options",
    "answer": "correctOptionKeys",
    "explanation": "explanation",
    "difficulty": "difficulty",
    "reference": "reference",
    "tags": "tags",
}
CODES = {"options": E.INVALID_OPTIONS, "correctOptionKeys": E.INVALID_ANSWER}


@dataclass
class QuestionFields:
    """What an admin sets; None leaves a field as it is (on edit)."""

    category_id: uuid.UUID | None = None
    question_type: str | None = None
    text: str | None = None
    options: list[str] | None = None
    correct_option_keys: list[str] | None = None
    explanation: str | None = None
    difficulty: str | None = None
    reference: str | None = None
    tags: list[str] | None = None
    media: dict[str, str] | None = None
    clear_media: bool = False
    active: bool | None = None
    external_id: str | None = None


def _error(path: str, message: str) -> DomainError:
    head = path.partition(".")[0]
    name = FIELDS.get(head, head)
    return DomainError(CODES.get(name, E.INVALID), f"{name}: {message}", name)


def _validated(document: dict[str, Any]) -> BankQuestion:
    try:
        question = BankQuestion.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        message = "is required" if first["type"] == "missing" else first["msg"]
        raise _error(path or "text", message) from None
    problems = question_problems(question)
    if problems:
        path, _, message = problems[0].partition(": ")
        raise _error(path, message)
    return question


async def _category_code(uow: UnitOfWork, category_id: uuid.UUID) -> str:
    await ensure_topics(uow.session)
    code = await uow.session.scalar(
        select(TheoryCategory.code).where(TheoryCategory.id == category_id)
    )
    if code is None:
        raise DomainError(E.CATEGORY_NOT_FOUND, "No such topic.", "categoryId")
    return code


def _document(current: TheoryQuestion | None, code: str, f: QuestionFields) -> dict[str, Any]:
    def pick(new: Any, old: Any) -> Any:
        return new if new is not None else old

    options: Any
    if f.options is not None:
        if len(f.options) > len(OPTION_KEYS):
            raise _error("options", f"at most {len(OPTION_KEYS)} options")
        options = [
            {"key": key, "text": text} for key, text in zip(OPTION_KEYS, f.options, strict=False)
        ]
    else:
        options = current.options if current else None
    media: Any = None if f.clear_media else pick(f.media, _media(current))
    document = {
        "id": pick(f.external_id, current.external_id if current else f"q-{secrets.token_hex(6)}"),
        "category": code,
        "type": pick(f.question_type, current.question_type if current else None),
        "text": pick(f.text, current.text if current else None),
        "media": media,
        "options": options,
        "answer": pick(f.correct_option_keys, list(current.answer) if current else None),
        "explanation": pick(f.explanation, current.explanation if current else None),
        "difficulty": pick(f.difficulty, current.difficulty if current else None),
        "reference": pick(f.reference, current.reference if current else None),
        "tags": pick(f.tags, list(current.tags) if current else []),
        "active": pick(f.active, current.active if current else True),
    }
    return {key: value for key, value in document.items() if value is not None or key == "media"}


def _media(question: TheoryQuestion | None) -> dict[str, str] | None:
    if question is None or question.media_kind is None:
        return None
    return {
        "kind": question.media_kind,
        "url": question.media_url or "",
        "description": question.media_description or "",
    }


def _apply(question: TheoryQuestion, valid: BankQuestion, category_id: uuid.UUID) -> None:
    question.external_id = valid.id
    question.category_id = category_id
    question.question_type = valid.type
    question.text = valid.text.strip()
    question.media_kind = valid.media.kind if valid.media else None
    question.media_url = valid.media.url if valid.media else None
    question.media_description = valid.media.description.strip() if valid.media else None
    question.options = [{"key": o.key, "text": o.text.strip()} for o in valid.options]
    question.answer = sorted(valid.answer)
    question.explanation = valid.explanation.strip()
    question.difficulty = valid.difficulty
    question.reference = valid.reference.strip()
    question.tags = list(valid.tags)
    question.active = valid.active


def snapshot(q: TheoryQuestion) -> dict[str, Any]:
    return {
        "external_id": q.external_id,
        "category_id": str(q.category_id),
        "type": q.question_type,
        "text": q.text,
        "options": q.options,
        "answer": list(q.answer),
        "active": q.active,
    }


async def _flush(uow: UnitOfWork) -> None:
    await uow.flush_unique(
        lambda _: DomainError(
            E.DUPLICATE_QUESTION, "This bank already has a question with that id.", "externalId"
        )
    )


async def create_question(
    uow: UnitOfWork, actor: Actor, school_id: uuid.UUID | None, fields: QuestionFields
) -> TheoryQuestion:
    """Add a question to the shared bank (``school_id`` None) or a school's own bank."""
    access.require_bank_manager(actor, school_id)
    if fields.category_id is None:
        raise DomainError(E.CATEGORY_NOT_FOUND, "categoryId is required.", "categoryId")
    code = await _category_code(uow, fields.category_id)
    valid = _validated(_document(None, code, fields))
    question = TheoryQuestion(school_id=school_id)
    _apply(question, valid, fields.category_id)
    uow.session.add(question)
    await _flush(uow)
    uow.audit(
        actor,
        "theory.question_created",
        entity_type="TheoryQuestion",
        entity_id=question.id,
        school_id=school_id,
        after=snapshot(question),
    )
    return question


async def _managed(uow: UnitOfWork, actor: Actor, question_id: uuid.UUID) -> TheoryQuestion:
    question = await uow.session.scalar(
        select(TheoryQuestion)
        .where(
            TheoryQuestion.id == question_id,
            access.visible_bank(actor, TheoryQuestion.school_id),
        )
        .with_for_update()
    )
    if question is None:
        raise DomainError(E.QUESTION_NOT_FOUND, "No such question.", "questionId")
    if not access.can_manage_bank(actor, question.school_id):
        raise Forbidden("You may not change this question bank.")
    return question


async def update_question(
    uow: UnitOfWork, actor: Actor, question_id: uuid.UUID, fields: QuestionFields
) -> TheoryQuestion:
    """Edit a question; omitted fields stay. Finished tests keep the results they earned."""
    question = await _managed(uow, actor, question_id)
    before = snapshot(question)
    category_id = fields.category_id or question.category_id
    code = await _category_code(uow, category_id)
    valid = _validated(_document(question, code, fields))
    _apply(question, valid, category_id)
    await _flush(uow)
    uow.audit(
        actor,
        "theory.question_updated",
        entity_type="TheoryQuestion",
        entity_id=question.id,
        school_id=question.school_id,
        before=before,
        after=snapshot(question),
    )
    return question


async def set_active(
    uow: UnitOfWork, actor: Actor, question_id: uuid.UUID, active: bool
) -> TheoryQuestion:
    """Retire a question (no new practice or test draws it) or bring it back."""
    question = await _managed(uow, actor, question_id)
    if question.active != active:
        question.active = active
        await uow.session.flush()
        uow.audit(
            actor,
            "theory.question_restored" if active else "theory.question_retired",
            entity_type="TheoryQuestion",
            entity_id=question.id,
            school_id=question.school_id,
        )
    return question
