"""Sending fuzz cases and judging the answers.

A case fails when the answer is not HTTP 200 or 400, contains a traceback, carries an
error with ``extensions.code == "INTERNAL_SERVER_ERROR"``, or when a mutation that was
refused (a typed payload error or a GraphQL error) committed anything — half a change —
or a query wrote at all. After every request the tables it wrote are put back
(tests/review/rewind.py), so the next case meets the same world.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.review.fuzz_plan import Case, document
from tests.review.rewind import Rewind
from tests.support import GraphQLClient

INTERNAL = "INTERNAL_SERVER_ERROR"

# Failures recorded on purpose (the unit of work's ``keep_on_error``): a wrong password
# or code counts against the account or lesson.
KEPT_ON_FAILURE: dict[str, set[str]] = {
    "login": {"login_attempts"},
    "changePassword": {"login_attempts"},
    "verifyPhone": {"one_time_tokens"},
    "startLesson": {"lesson_start_codes"},
}


@dataclass
class Findings:
    """What went wrong, grouped by operation and problem, with the cases and roles it hit."""

    problems: dict[tuple[str, str], tuple[set[str], set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: (set(), set()))
    )
    outcomes: Counter[str] = field(default_factory=Counter)
    cases: int = 0

    def add(self, case: Case, role: str, problem: str) -> None:
        # One entry per root cause: object addresses and SQL differ from case to case.
        problem = re.sub(r" at 0x[0-9a-f]+", "", problem.split("\n[SQL:", maxsplit=1)[0])
        labels, roles = self.problems[(case.operation.name, problem)]
        labels.add(case.label)
        roles.add(role)

    def report(self) -> str:
        lines = []
        for (op, problem), (labels, roles) in sorted(self.problems.items()):
            shown = ", ".join(sorted(labels)[:4]) + (" …" if len(labels) > 4 else "")
            lines.append(
                f"{op}: {problem}\n    {len(labels)} cases ({shown}) as {', '.join(sorted(roles))}"
            )
        return f"{len(lines)} problems:\n" + "\n".join(lines)


class Unexpected(logging.Handler):
    """What the server logs as unexpected: the exception behind each masked error, by the
    path of the field that raised it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        where = record.getMessage().removeprefix("unexpected error in ")
        self.seen.append((where, f"{type(exc).__name__}: {exc}"[:400] if exc else ""))

    def about(self, alias: str, operation: str) -> str:
        """The exceptions logged for one alias, its path shown from the operation's name."""
        return " | ".join(
            f"{operation}{where[len(alias) :]}: {what}"
            for where, what in self.seen
            if where == alias or where.startswith(f"{alias}.")
        )


def _codes(errors: list[dict[str, Any]]) -> set[str]:
    return {str(e.get("extensions", {}).get("code")) for e in errors}


def _outcome(case: Case, body: dict[str, Any], errors: list[dict[str, Any]], alias: str) -> str:
    if "data" not in body:
        return "request error"
    if errors:
        return "GraphQL error " + "/".join(sorted(_codes(errors)))
    payload = (body["data"] or {}).get(alias)
    if case.operation.kind == "mutation" and isinstance(payload, dict) and payload.get("errors"):
        return "typed " + "/".join(sorted({str(e.get("code")) for e in payload["errors"]}))
    return "ok"


@dataclass
class Runner:
    gql: GraphQLClient
    rewind: Rewind
    findings: Findings
    unexpected: Unexpected

    async def one(self, case: Case, role: str, token: str) -> str:
        """Send one case; record what was wrong with the answer; put back what it wrote."""
        query, variables = document([case])
        self.unexpected.seen.clear()
        response = await self.gql.post(query, variables, token=token)
        self.findings.cases += 1
        if response.status_code not in (200, 400):
            self.findings.add(case, role, f"HTTP {response.status_code}: {response.text[:200]}")
        if "Traceback" in response.text:
            self.findings.add(case, role, "a traceback in the response")
        try:
            body = response.json()
        except ValueError:
            self.findings.add(case, role, f"not JSON: {response.text[:200]}")
            body = {}
        errors = body.get("errors") or []
        internal = INTERNAL in _codes(errors)
        if internal:
            self.findings.add(
                case, role, f"{INTERNAL} {self.unexpected.about('c0', case.operation.name)}"
            )
        outcome = _outcome(case, body, errors, "c0")
        self.findings.outcomes[outcome] += 1

        written = await self.rewind.dirty()
        if not written:
            return outcome
        if case.operation.kind == "query":
            self.findings.add(case, role, f"a query wrote to {written}")
        elif outcome != "ok" and not internal:
            changed = await self.rewind.changed(written)
            kept = KEPT_ON_FAILURE.get(case.operation.name, set())
            half = {table: rows for table, rows in changed.items() if table not in kept}
            if half:
                self.findings.add(case, role, f"refused ({outcome}) but wrote {half}")
        await self.rewind.restore(written)
        return outcome

    async def send(self, cases: list[Case], role: str, token: str, kinds: set[str]) -> None:
        for case in cases:
            if case.kind in kinds:
                await self.one(case, role, token)
