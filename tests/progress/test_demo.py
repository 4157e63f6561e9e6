"""The demo school's learner has lessons, feedback and a Driver's Record to show."""

from __future__ import annotations

from app.demo import PASSWORD, seed_demo
from resolvers.context import AppState
from tests.support import GraphQLClient

RECORD = "{ driverRecord { skillsAtLeast } lessonFeedbacks(first: 10) { edges { node { id } } } }"


async def test_the_demo_learner_has_progress_feedback_and_lessons_ahead(
    gql: GraphQLClient, state: AppState
) -> None:
    # Given the demo data, seeded twice
    await seed_demo(state, progress=lambda _: None)
    again = await seed_demo(state, progress=lambda _: None)

    # When the demo student looks at their record and feedback
    token = await gql.login("student@demo.test", PASSWORD)
    data = await gql.data(RECORD, token=token)

    # Then both are there, once
    assert again.created == []
    assert data["driverRecord"]["skillsAtLeast"] == [5, 4, 3, 1, 0]
    assert len(data["lessonFeedbacks"]["edges"]) == 3
