"""Checking a student's chosen options against a question (shared by practice and mock tests)."""

from __future__ import annotations

from collections.abc import Sequence

from models.theory import TheoryQuestion
from services.errors import DomainError
from services.theory.errors import E

WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def required_marks(question: TheoryQuestion) -> int:
    """How many options to mark (public: the question's text says so)."""
    return len(question.answer)


def chosen_keys(
    question: TheoryQuestion, selected: Sequence[str], *, allow_none: bool, field: str
) -> list[str]:
    """The selection, sorted, if it is a well-formed answer to ``question``.

    It must name existing options, each once, and exactly as many as the question asks
    for; ``allow_none`` accepts an empty selection (clearing a mock-test answer). Nothing
    here depends on which options are correct.
    """
    if not selected and allow_none:
        return []
    keys = [o["key"] for o in question.options]
    unknown = [key for key in selected if key not in keys]
    if unknown:
        shown = ", ".join(repr(k[:5]) for k in unknown[:3])
        raise DomainError(E.INVALID_ANSWER, f"Not an option of this question: {shown}.", field)
    if len(set(selected)) != len(selected):
        raise DomainError(E.INVALID_ANSWER, "An option is chosen more than once.", field)
    wanted = required_marks(question)
    if len(selected) != wanted:
        raise DomainError(
            E.INVALID_ANSWER,
            "Choose one answer." if wanted == 1 else f"Mark {WORDS.get(wanted, wanted)} answers.",
            field,
        )
    return sorted(selected)


def is_correct(question: TheoryQuestion, keys: Sequence[str]) -> bool:
    return sorted(keys) == sorted(question.answer)


def check_time_spent(value: int | None, limit_ms: int, field: str = "timeSpentMs") -> int:
    """The time the question was on the student's screen (the client measures it)."""
    if value is None:
        return 0
    if not 0 <= value <= limit_ms:
        raise DomainError(E.INVALID, f"{field} must be between 0 and {limit_ms}.", field)
    return value
