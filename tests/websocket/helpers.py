"""Shared by the WebSocket and event tests: the assignment feed's documents, admin
mutations over HTTP, and waiting for the server to reach a state."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed

from resolvers.context import AppState
from tests.support import GraphQLClient, WSClient, gid

ASSIGNMENTS_CHANGED = """
subscription AssignmentsChanged($after: String) {
  myAssignmentsChanged(after: $after) {
    eventId
    change
    assignment { id status assignmentType priority notes student { id } instructor { id } }
  }
}
"""

ASSIGN_INSTRUCTOR = """
mutation Assign($input: AssignInstructorInput!) {
  assignInstructor(input: $input) { assignment { id } errors { code message field } }
}
"""

UPDATE_ASSIGNMENT = """
mutation Update($input: UpdateAssignmentInput!) {
  updateAssignment(input: $input) { assignment { id } errors { code message field } }
}
"""

END_ASSIGNMENT = """
mutation End($input: EndAssignmentInput!) {
  endAssignment(input: $input) { assignment { id } errors { code message field } }
}
"""


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
) -> float:
    """Poll until ``predicate()`` holds; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def connect(ws_url: str, token: str) -> WSClient:
    return await WSClient.connect(ws_url, {"token": token})


async def subscribe_live(
    ws: WSClient, state: AppState, query: str = ASSIGNMENTS_CHANGED, **variables: Any
) -> str:
    """Subscribe, and return once the server's feed is listening to the hub.

    graphql-transport-ws has no "subscribed" acknowledgement, and a feed without
    ``after`` starts from the moment it listens, so tests wait for that moment.
    """
    before = state.hub.subscriber_count
    op_id = await ws.subscribe(query, variables)
    await wait_until(lambda: state.hub.subscriber_count > before, what="the feed to listen")
    return op_id


async def close_code(ws: WSClient, timeout: float = 5.0) -> int | None:
    """Read until the server closes the socket; the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(ws.connection.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def assign(
    gql: GraphQLClient,
    admin_token: str,
    student_id: uuid.UUID,
    instructor_id: uuid.UUID,
    assignment_type: str = "SECONDARY",
) -> dict[str, Any]:
    data = await gql.data(
        ASSIGN_INSTRUCTOR,
        {
            "input": {
                "studentId": gid("User", student_id),
                "instructorId": gid("User", instructor_id),
                "assignmentType": assignment_type,
                "priority": 2,
            }
        },
        token=admin_token,
    )
    return data["assignInstructor"]  # type: ignore[no-any-return]


async def update_priority(
    gql: GraphQLClient, admin_token: str, assignment_gid: str, priority: int
) -> dict[str, Any]:
    data = await gql.data(
        UPDATE_ASSIGNMENT,
        {"input": {"assignmentId": assignment_gid, "priority": priority}},
        token=admin_token,
    )
    return data["updateAssignment"]  # type: ignore[no-any-return]


async def end(gql: GraphQLClient, admin_token: str, assignment_gid: str) -> dict[str, Any]:
    data = await gql.data(
        END_ASSIGNMENT, {"input": {"assignmentId": assignment_gid}}, token=admin_token
    )
    return data["endAssignment"]  # type: ignore[no-any-return]


def event_of(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    return payload["data"]["myAssignmentsChanged"]  # type: ignore[no-any-return]
