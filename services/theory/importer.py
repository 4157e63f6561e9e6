"""Importing and exporting bank files: validate everything, then write everything, or nothing.

    bank = read_bank_file(raw)            # BankFileInvalid lists every bad row and why
    report = await import_bank(uow, actor, bank, school_id=None, progress=bar.update)
    document = await export_bank(session, school_id=None)

* Reading checks the whole file before anything is written: its shape against the
  format, each row on its own (so every bad row is reported, not just the first), and
  the rules across rows (duplicate ids).
* Importing runs in the caller's one transaction, so a failure leaves the bank as it was.
  Rows are upserted by ``(bank, id)``: re-importing a file updates what changed and
  creates nothing twice. Items absent from the file are left alone (a file may add to a
  bank); retire them with ``"active": false``.
* Concurrent imports into one bank queue on a transaction-scoped advisory lock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.schools import School
from models.theory import (
    HazardClip,
    HazardClipHazard,
    TheoryCategory,
    TheoryQuestion,
    TheorySource,
)
from services.actor import Actor
from services.errors import DomainError
from services.theory import access
from services.theory.bankfile import (
    FORMAT_NAME,
    FORMAT_VERSION,
    BankCategory,
    BankEnvelope,
    BankFile,
    BankHazard,
    BankHazardClip,
    BankMedia,
    BankOption,
    BankQuestion,
    BankSource,
    category_problems,
    clip_problems,
    question_problems,
    source_problems,
    to_ms,
)
from services.theory.categories import ensure_topics
from services.theory.errors import E
from services.uow import UnitOfWork

BATCH = 100
M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file: where (``questions[12]``), the row's id if it has one,
    and why."""

    where: str
    item_id: str | None
    reason: str

    def label(self) -> str:
        return f"{self.where} (id {self.item_id})" if self.item_id else self.where


class BankFileInvalid(DomainError):
    """The file was refused; ``problems`` lists every bad row and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        rows = len({p.where for p in problems})
        super().__init__(
            E.INVALID_FILE,
            f"The file was refused: {len(problems)} problem(s) in {rows} place(s).",
            "file",
        )
        self.problems = problems

    def by_row(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.label()].append(problem.reason)
        return dict(grouped)


@dataclass
class ImportReport:
    questions_created: int = 0
    questions_updated: int = 0
    questions_unchanged: int = 0
    clips_created: int = 0
    clips_updated: int = 0
    clips_unchanged: int = 0
    bank: str = "shared"
    source: str = ""
    topics: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def questions(self) -> int:
        return self.questions_created + self.questions_updated + self.questions_unchanged


# -- reading -------------------------------------------------------------------------------------


def _reason(error: Any) -> str:
    path = ".".join(str(part) for part in error["loc"])
    message = {
        "missing": "is required",
        "extra_forbidden": "is not a key of the format",
    }.get(error["type"], error["msg"])
    return f"{path}: {message}" if path else message


def _id_of(row: Any) -> str | None:
    if isinstance(row, dict) and isinstance(row.get("id"), str):
        return str(row["id"])[:100]
    return None


def _rows(
    data: dict[str, Any],
    key: str,
    model: type[M],
    rules: Callable[[M], list[str]],
    problems: list[Problem],
) -> list[M]:
    rows = data.get(key)
    if not isinstance(rows, list):
        return []
    parsed: list[M] = []
    for index, raw in enumerate(rows):
        where = f"{key}[{index}]"
        try:
            row = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(Problem(where, _id_of(raw), _reason(e)) for e in exc.errors())
            continue
        found = rules(row)
        problems.extend(Problem(where, _id_of(raw), reason) for reason in found)
        if not found:
            parsed.append(row)
    return parsed


def _duplicates(data: dict[str, Any], key: str, problems: list[Problem]) -> None:
    first: dict[str, int] = {}
    for index, raw in enumerate(data.get(key) or []):
        item_id = _id_of(raw)
        if item_id is None:
            continue
        if item_id in first:
            problems.append(
                Problem(f"{key}[{index}]", item_id, f"id: also used by {key}[{first[item_id]}]")
            )
        else:
            first[item_id] = index


def read_bank_file(raw: bytes | str) -> BankFile:
    """The file as a valid BankFile, or BankFileInvalid naming every problem."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BankFileInvalid([Problem("file", None, f"not valid JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise BankFileInvalid([Problem("file", None, "the file must be one JSON object")])
    problems: list[Problem] = []
    envelope: BankEnvelope | None = None
    try:
        envelope = BankEnvelope.model_validate(data)
    except ValidationError as exc:
        problems.extend(
            Problem(str(e["loc"][0]) if e["loc"] else "file", None, _reason(e))
            for e in exc.errors()
        )
    if envelope is not None:
        problems.extend(Problem("source", None, r) for r in source_problems(envelope.source))
    categories = _rows(data, "categories", BankCategory, lambda _: [], problems)
    if isinstance(data.get("categories"), list) and len(categories) == len(data["categories"]):
        problems.extend(
            Problem("categories" if index is None else f"categories[{index}]", None, reason)
            for index, reason in category_problems(categories)
        )
    questions = _rows(data, "questions", BankQuestion, question_problems, problems)
    clips = _rows(data, "hazardClips", BankHazardClip, clip_problems, problems)
    _duplicates(data, "questions", problems)
    _duplicates(data, "hazardClips", problems)
    if problems or envelope is None:
        raise BankFileInvalid(problems)
    return BankFile.model_construct(
        format=envelope.format,
        version=envelope.version,
        source=envelope.source,
        categories=categories if envelope.categories is not None else None,
        questions=questions,
        hazard_clips=clips,
    )


# -- writing -------------------------------------------------------------------------------------


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _question_row(
    q: BankQuestion, school_id: uuid.UUID | None, category_id: uuid.UUID, source_id: uuid.UUID
) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "external_id": q.id,
        "category_id": category_id,
        "source_id": source_id,
        "question_type": q.type,
        "text": q.text.strip(),
        "media_kind": q.media.kind if q.media else None,
        "media_url": q.media.url if q.media else None,
        "media_description": q.media.description.strip() if q.media else None,
        "options": [{"key": o.key, "text": o.text.strip()} for o in q.options],
        "answer": sorted(q.answer),
        "explanation": q.explanation.strip(),
        "difficulty": q.difficulty,
        "reference": q.reference.strip(),
        "tags": list(q.tags),
        "active": q.active,
    }


UPSERTED_COLUMNS = (
    "category_id",
    "source_id",
    "question_type",
    "text",
    "media_kind",
    "media_url",
    "media_description",
    "options",
    "answer",
    "explanation",
    "difficulty",
    "reference",
    "tags",
    "active",
)


async def _upsert_questions(
    session: AsyncSession, rows: list[dict[str, Any]], school_id: uuid.UUID | None
) -> tuple[int, int]:
    """(created, updated) for one batch; unchanged rows are not touched."""
    stmt = insert(TheoryQuestion).values(rows)
    where_bank = (
        TheoryQuestion.school_id.is_(None)
        if school_id is None
        else TheoryQuestion.school_id.is_not(None)
    )
    columns = [getattr(TheoryQuestion, c) for c in UPSERTED_COLUMNS]
    incoming = [getattr(stmt.excluded, c) for c in UPSERTED_COLUMNS]
    upsert: Any = stmt.on_conflict_do_update(
        index_elements=["external_id"] if school_id is None else ["school_id", "external_id"],
        index_where=where_bank,
        set_={**{c: getattr(stmt.excluded, c) for c in UPSERTED_COLUMNS}, "updated_at": func.now()},
        where=tuple_(*columns).is_distinct_from(tuple_(*incoming)),
    ).returning(literal_column("xmax = 0").label("created"))
    created = [row.created for row in await session.execute(upsert)]
    return sum(created), len(created) - sum(created)


async def _upsert_source(
    session: AsyncSession, source: BankSource, school_id: uuid.UUID | None
) -> uuid.UUID:
    stmt = insert(TheorySource).values(
        school_id=school_id,
        name=source.name.strip(),
        official=source.official,
        notice=(source.notice or "").strip() or None,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=["name"] if school_id is None else ["school_id", "name"],
        index_where=TheorySource.school_id.is_(None)
        if school_id is None
        else TheorySource.school_id.is_not(None),
        set_={
            "official": stmt.excluded.official,
            "notice": stmt.excluded.notice,
            "imported_at": func.now(),
        },
    ).returning(TheorySource.id)
    source_id = await session.scalar(upsert)
    assert source_id is not None
    return source_id


def _clip_shape(title: str, url: str, duration: int, active: bool, hazards: Any) -> tuple[Any, ...]:
    return (title, url, duration, active, tuple(hazards))


async def _import_clips(
    session: AsyncSession,
    clips: list[BankHazardClip],
    school_id: uuid.UUID | None,
    source_id: uuid.UUID,
    report: ImportReport,
) -> None:
    if not clips:
        return
    bank = (
        HazardClip.school_id.is_(None) if school_id is None else HazardClip.school_id == school_id
    )
    existing_rows = await session.execute(
        select(HazardClip, HazardClipHazard)
        .outerjoin(HazardClipHazard, HazardClipHazard.clip_id == HazardClip.id)
        .where(bank, HazardClip.external_id.in_([c.id for c in clips]))
        .order_by(HazardClip.id, HazardClipHazard.position)
    )
    existing: dict[str, tuple[HazardClip, list[tuple[str, tuple[int, ...]]]]] = {}
    for clip, hazard in existing_rows:
        entry = existing.setdefault(clip.external_id, (clip, []))
        if hazard is not None:
            entry[1].append((hazard.description, tuple(hazard.windows_ms)))
    for item in clips:
        hazards = sorted(
            ((h.description.strip(), tuple(to_ms(w) for w in h.windows)) for h in item.hazards),
            key=lambda h: h[1][0],
        )
        duration = to_ms(item.duration_seconds)
        incoming = _clip_shape(item.title.strip(), item.media_url, duration, item.active, hazards)
        found = existing.get(item.id)
        if found is not None:
            clip, old_hazards = found
            current = _clip_shape(
                clip.title, clip.media_url, clip.duration_ms, clip.active, old_hazards
            )
            if current == incoming:
                report.clips_unchanged += 1
                continue
            clip.title, clip.media_url, clip.duration_ms, clip.active = incoming[:4]
            clip.hazard_count = len(hazards)
            clip.source_id = source_id
            report.clips_updated += 1
            await session.execute(
                delete(HazardClipHazard).where(HazardClipHazard.clip_id == clip.id)
            )
        else:
            clip = HazardClip(
                school_id=school_id,
                external_id=item.id,
                source_id=source_id,
                title=incoming[0],
                media_url=item.media_url,
                duration_ms=duration,
                hazard_count=len(hazards),
                active=item.active,
            )
            session.add(clip)
            report.clips_created += 1
        await session.flush()
        session.add_all(
            HazardClipHazard(clip_id=clip.id, position=n, description=d, windows_ms=list(w))
            for n, (d, w) in enumerate(hazards, start=1)
        )
    await session.flush()


async def import_bank(
    uow: UnitOfWork,
    actor: Actor | None,
    bank: BankFile,
    *,
    school_id: uuid.UUID | None,
    progress: Progress | None = None,
) -> ImportReport:
    """Write a validated file into the shared bank (``school_id`` None) or a school's bank.

    ``actor`` None is the operator at the console; otherwise the actor must manage the bank.
    """
    access.require_bank_manager(actor, school_id)
    session = uow.session
    report = ImportReport()
    if school_id is not None:
        school = await session.get(School, school_id)
        if school is None or (actor is not None and not actor.can_see_school(school_id)):
            raise DomainError(E.NOT_FOUND, "No such school.", "schoolId")
        report.bank = f"school {school.slug}"
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"theory-bank:{school_id or 'shared'}")))
    )
    # Only the shared bank defines the topics; a school's file may carry them but
    # cannot rename the platform's topics.
    report.topics = await ensure_topics(session, bank.categories if school_id is None else None)
    source_id = await _upsert_source(session, bank.source, school_id)
    report.source = bank.source.name
    total = len(bank.questions) + len(bank.hazard_clips)
    done = 0
    for batch in _batches(bank.questions):
        rows = [_question_row(q, school_id, report.topics[q.category], source_id) for q in batch]
        created, updated = await _upsert_questions(session, rows, school_id)
        report.questions_created += created
        report.questions_updated += updated
        report.questions_unchanged += len(batch) - created - updated
        done += len(batch)
        if progress:
            progress(done, total)
    await _import_clips(session, bank.hazard_clips, school_id, source_id, report)
    if progress:
        progress(total, total)
    uow.audit(
        actor,
        "theory.bank_imported",
        entity_type="TheoryBank",
        entity_id=school_id or "shared",
        school_id=school_id,
        after={
            "source": bank.source.name,
            "questions_created": report.questions_created,
            "questions_updated": report.questions_updated,
            "clips_created": report.clips_created,
            "clips_updated": report.clips_updated,
        },
    )
    return report


# -- exporting -----------------------------------------------------------------------------------


async def export_bank(session: AsyncSession, *, school_id: uuid.UUID | None) -> dict[str, Any]:
    """The bank in the import format (JSON-ready): importing it again changes nothing."""
    categories = list(
        await session.scalars(select(TheoryCategory).order_by(TheoryCategory.display_order))
    )
    codes = {c.id: c.code for c in categories}
    order = {c.id: c.display_order for c in categories}
    bank_q = (
        TheoryQuestion.school_id.is_(None)
        if school_id is None
        else TheoryQuestion.school_id == school_id
    )
    questions = sorted(
        await session.scalars(select(TheoryQuestion).where(bank_q)),
        key=lambda q: (order[q.category_id], q.external_id),
    )
    bank_c = (
        HazardClip.school_id.is_(None) if school_id is None else HazardClip.school_id == school_id
    )
    clips = list(
        await session.scalars(select(HazardClip).where(bank_c).order_by(HazardClip.external_id))
    )
    hazards: dict[uuid.UUID, list[HazardClipHazard]] = defaultdict(list)
    if clips:
        for hazard in await session.scalars(
            select(HazardClipHazard)
            .where(HazardClipHazard.clip_id.in_([c.id for c in clips]))
            .order_by(HazardClipHazard.position)
        ):
            hazards[hazard.clip_id].append(hazard)
    source_ids = {q.source_id for q in questions} | {c.source_id for c in clips}
    sources = (
        list(await session.scalars(select(TheorySource).where(TheorySource.id.in_(source_ids))))
        if source_ids - {None}
        else []
    )
    document = BankFile.model_construct(
        format=FORMAT_NAME,
        version=FORMAT_VERSION,
        source=_export_source(sources, None in source_ids, school_id),
        categories=[
            BankCategory.model_construct(
                code=c.code,
                name=c.name,
                order=c.display_order,
                description=c.description,
                active=c.active,
            )
            for c in categories
        ],
        questions=[_export_question(q, codes[q.category_id]) for q in questions],
        hazard_clips=[
            BankHazardClip.model_construct(
                id=c.external_id,
                title=c.title,
                media_url=c.media_url,
                duration_seconds=c.duration_ms / 1000,
                hazards=[
                    BankHazard.model_construct(
                        description=h.description, windows=[w / 1000 for w in h.windows_ms]
                    )
                    for h in hazards[c.id]
                ],
                active=c.active,
            )
            for c in clips
        ],
    )
    return document.model_dump(mode="json", by_alias=True)


def _export_source(
    sources: list[TheorySource], has_unsourced: bool, school_id: uuid.UUID | None
) -> BankSource:
    if len(sources) == 1 and not has_unsourced:
        only = sources[0]
        return BankSource.model_construct(
            name=only.name, official=only.official, notice=only.notice
        )
    names = ", ".join(sorted(s.name for s in sources)) or "questions written in Clutch"
    return BankSource.model_construct(
        name=f"Clutch export of the {'shared' if school_id is None else 'school'} bank",
        official=bool(sources) and not has_unsourced and all(s.official for s in sources),
        notice=f"Exported from Clutch; contains: {names}."[:2000],
    )


def _export_question(q: TheoryQuestion, code: str) -> BankQuestion:
    return BankQuestion.model_construct(
        id=q.external_id,
        category=code,
        type=q.question_type,
        text=q.text,
        media=BankMedia.model_construct(
            kind=q.media_kind,
            url=q.media_url or "",
            description=q.media_description or "",
        )
        if q.media_kind
        else None,
        options=[BankOption(key=o["key"], text=o["text"]) for o in q.options],
        answer=list(q.answer),
        explanation=q.explanation,
        difficulty=q.difficulty,
        reference=q.reference,
        tags=list(q.tags),
        active=q.active,
    )
