"""SPEC §0: bad input gets a clear, typed error and changes nothing — never a 500, never a
stack trace, never half a change — for every argument of every query and mutation.

The schema itself is the list of what to try (tests/review/fuzz_plan.py): each root field
gets a baseline request a real user could send, then one case per adversarial value of
each argument, input field, nested field and list element (tests/review/fuzz_values.py).
Every case is sent over HTTP to the real server as a platform admin, a school admin, an
instructor and a student of a school that holds every kind of row
(tests/review/fuzz_world.py). After each request the tables it wrote are put back
(tests/review/rewind.py), so every case meets the same world, and a refused mutation that
wrote anything is caught as half a change (tests/review/fuzz_runner.py).

Deterministic: fixed values, no randomness; the run takes a couple of minutes.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from resolvers.context import AppState
from schema import schema
from tests.review.fuzz_plan import CHOICE, SHAPE, TEXT, Planner
from tests.review.fuzz_runner import Findings, Runner, Unexpected
from tests.review.fuzz_world import build_fuzzland
from tests.review.rewind import Rewind
from tests.support import Factory, GraphQLClient

ROLES = ("platform_admin", "school_admin", "instructor", "student")
# The student has a mock test and a hazard test running (so that answering them can be
# fuzzed), which rightly refuses practice and new tests: another student does those.
STUDENT_STAND_IN = {"answerPracticeQuestion", "startMockTest", "startHazardTest"}
REFUSED = {"GraphQL error FORBIDDEN", "GraphQL error UNAUTHENTICATED"}


def kinds(role: str, baseline_outcomes: dict[str, str]) -> set[str]:
    """Which cases a role sends. A role the operation refuses outright sends only the odd
    shapes, which could break before the refusal. Odd text matters only past every
    check, where roles differ in what they may do, not in how text is read: it is sent
    once, by the first role whose baseline went through (or, failing that, was not
    refused outright)."""
    if baseline_outcomes[role] in REFUSED:
        return {SHAPE}
    through = [r for r, outcome in baseline_outcomes.items() if outcome == "ok"]
    allowed = [r for r, outcome in baseline_outcomes.items() if outcome not in REFUSED]
    return {SHAPE, CHOICE, TEXT} if role == (through or allowed)[0] else {SHAPE, CHOICE}


async def test_no_input_reaches_a_500_or_leaves_half_a_change(
    gql: GraphQLClient, factory: Factory, state: AppState
) -> None:
    # Given two schools with every kind of row, and a user of each role of the first
    land = await build_fuzzland(factory, gql)
    planner = Planner(schema._schema, land, date.today())
    plan = [(operation, planner.cases(operation)) for operation in planner.operations()]
    tokens = land.tokens()
    findings = Findings()
    unexpected = Unexpected()
    rewind = Rewind(state)
    runner = Runner(gql, rewind, findings, unexpected)
    logging.getLogger("clutch.graphql").addHandler(unexpected)
    await rewind.install()
    started = time.perf_counter()
    unreached = []
    try:
        # When each role sends the baseline of each operation, then its cases
        for operation, cases in plan:
            baseline, *variants = cases
            tokens_of = {
                role: land.home.tokens["other_student"]
                if role == "student" and operation.name in STUDENT_STAND_IN
                else tokens[role]
                for role in ROLES
            }
            outcomes = {role: await runner.one(baseline, role, tokens_of[role]) for role in ROLES}
            if "ok" not in outcomes.values():
                unreached.append(f"{operation.name}: {outcomes}")
            for role in ROLES:
                await runner.send(variants, role, tokens_of[role], kinds(role, outcomes))
    finally:
        logging.getLogger("clutch.graphql").removeHandler(unexpected)
        await rewind.uninstall()
    elapsed = time.perf_counter() - started

    # Then every operation's baseline went through for some role (so the cases reached
    # past the checks they target), nothing was a 500 or a traceback, and nothing refused
    # wrote anything
    print(
        f"\n{len(plan)} operations × {len(ROLES)} roles: {findings.cases} cases sent "
        f"(of {sum(len(c) for _, c in plan)} per role) in {elapsed:.0f} s"
    )
    for outcome, count in findings.outcomes.most_common():
        print(f"  {count:6} {outcome}")
    assert not unreached, "\n".join(unreached)
    report = findings.report()
    if findings.problems:
        print(report)
    assert not findings.problems, report
