"""Authorisation review of theory: nothing answers a running mock test for its student."""

from __future__ import annotations

from typing import Any

from resolvers.context import AppState
from tests.support import GraphQLClient, SchoolWorld, gid
from tests.theory.helpers import bank, load_bank, start_test, submit

EARLIER_TEST = """
query Earlier($id: ID!, $student: ID!) {
  node(id: $id) {
    ... on MockTest {
      status
      result { score }
      questions { question { id } review { correct correctOptionKeys explanation } }
    }
  }
  mockTests(studentId: $student, first: 5) {
    edges { node { id questions { review { correctOptionKeys } } } }
  }
}
"""
EARLIER_ROW = """
query Row($id: ID!) { node(id: $id) { ... on MockTestQuestion { review { correctOptionKeys } } } }
"""


def _reviews(data: dict[str, Any], test_id: str) -> list[Any]:
    """Every review of test ``test_id`` in the response: from the node and from the list."""
    found = [row["review"] for row in data["node"]["questions"]]
    for edge in data["mockTests"]["edges"]:
        if edge["node"]["id"] == test_id:
            found.extend(row["review"] for row in edge["node"]["questions"])
    return found


async def test_an_earlier_tests_answers_stay_hidden_from_its_student_while_another_runs(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a small bank, a finished mock test, and a second test now running that draws
    # many of the same questions
    await load_bank(state, bank(4))
    token = await gql.login(world.student.email)
    first = await start_test(gql, token)
    assert (await submit(gql, token, first["id"]))["errors"] == []
    second = await start_test(gql, token)
    shared = {r["question"]["id"] for r in first["questions"]} & {
        r["question"]["id"] for r in second["questions"]
    }
    assert shared

    # When the student reads the first test's review, by every path, during the second
    earlier = {"id": first["id"], "student": gid("User", world.student.id)}
    during = await gql.data(EARLIER_TEST, earlier, token=token)
    row = await gql.data(EARLIER_ROW, {"id": first["questions"][0]["id"]}, token=token)
    # and their instructor reads it too
    instructor = await gql.data(
        EARLIER_TEST, earlier, token=await gql.login(world.instructor.email)
    )

    # Then no review reaches the student while the second test runs (its score still does)
    assert during["node"]["status"] == "SUBMITTED"
    assert during["node"]["result"] is not None
    hidden = _reviews(during, first["id"])
    assert len(hidden) == 2 * len(first["questions"])
    assert all(review is None for review in hidden)
    assert row["node"]["review"] is None
    # while staff, who sit no test, still see it
    assert all(review is not None for review in _reviews(instructor, first["id"]))

    # And once the second test is submitted, the student sees both tests' reviews again
    assert (await submit(gql, token, second["id"]))["errors"] == []
    after = await gql.data(EARLIER_TEST, earlier, token=token)
    assert all(review is not None for review in _reviews(after, first["id"]))


START_HAZARD = """
mutation { startHazardTest { hazardTest { id clips { id clip { id } } } errors { code } } }
"""
SUBMIT_HAZARD = """
mutation($input: SubmitHazardTestInput!) { submitHazardTest(input: $input) { errors { code } } }
"""
EARLIER_HAZARD_TEST = """
query Earlier($id: ID!, $student: ID!, $clip: ID!) {
  node(id: $id) {
    ... on HazardTest { status result { score } clips { review { hazards { windows } } } }
  }
  hazardTests(studentId: $student, first: 5) {
    edges { node { id clips { review { hazards { windows } } } } }
  }
  clip: node(id: $clip) { ... on HazardTestClip { review { hazards { windows } } } }
}
"""


def _hazard_reviews(data: dict[str, Any], test_id: str) -> list[Any]:
    """Every clip review of hazard test ``test_id`` in the response."""
    found = [clip["review"] for clip in data["node"]["clips"]]
    found.append(data["clip"]["review"])
    for edge in data["hazardTests"]["edges"]:
        if edge["node"]["id"] == test_id:
            found.extend(clip["review"] for clip in edge["node"]["clips"])
    return found


async def _start_hazard(gql: GraphQLClient, token: str) -> dict[str, Any]:
    data = await gql.data(START_HAZARD, token=token)
    assert data["startHazardTest"]["errors"] == [], data
    return data["startHazardTest"]["hazardTest"]  # type: ignore[no-any-return]


async def _submit_hazard(gql: GraphQLClient, token: str, test_id: str) -> None:
    data = await gql.data(SUBMIT_HAZARD, {"input": {"hazardTestId": test_id}}, token=token)
    assert data["submitHazardTest"]["errors"] == [], data


async def test_an_earlier_hazard_tests_windows_stay_hidden_from_its_student_while_another_runs(
    gql: GraphQLClient, state: AppState, world: SchoolWorld
) -> None:
    # Given a bank of exactly 14 clips, a finished hazard perception test, and a second
    # one now running on the same clips
    await load_bank(state, bank(4, clips=14))
    token = await gql.login(world.student.email)
    first = await _start_hazard(gql, token)
    await _submit_hazard(gql, token, first["id"])
    second = await _start_hazard(gql, token)
    assert {c["clip"]["id"] for c in first["clips"]} == {c["clip"]["id"] for c in second["clips"]}

    # When the student reads the first test's clip reviews, by every path, during the second
    earlier = {
        "id": first["id"],
        "student": gid("User", world.student.id),
        "clip": first["clips"][0]["id"],
    }
    during = await gql.data(EARLIER_HAZARD_TEST, earlier, token=token)
    # and their instructor reads them too
    instructor = await gql.data(
        EARLIER_HAZARD_TEST, earlier, token=await gql.login(world.instructor.email)
    )

    # Then no scoring window reaches the student while the second test runs (the score does)
    hidden = _hazard_reviews(during, first["id"])
    assert len(hidden) == 2 * len(first["clips"]) + 1
    assert all(review is None for review in hidden)
    assert during["node"]["result"] is not None
    # while staff, who sit no test, still see them
    assert all(review is not None for review in _hazard_reviews(instructor, first["id"]))

    # And once the second test is submitted, the student sees the first one's windows again
    await _submit_hazard(gql, token, second["id"])
    after = await gql.data(EARLIER_HAZARD_TEST, earlier, token=token)
    assert all(review is not None for review in _hazard_reviews(after, first["id"]))
