"""Test helpers: a GraphQL client over real HTTP, a graphql-transport-ws client over a real
WebSocket, and factories that create data through the services."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import websockets
from sqlalchemy import select

from models.accounts import User
from models.notifications import OutboundMessage
from resolvers.context import AppState
from schema.common.node import to_global_id
from services import accounts, assignments, schools
from services.actor import Actor, Role
from services.uow import unit_of_work

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}-{uuid.uuid4().hex[:6]}"


def gid(type_name: str, pk: uuid.UUID) -> str:
    return str(to_global_id(type_name, pk))


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
        }
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.http.post("/graphql", content=json.dumps(body), headers=all_headers)

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Run an operation and return the whole response body (data, errors, extensions)."""
        response = await self.post(query, variables, token=token)
        assert response.status_code in (200, 400, 401), response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Run an operation that must succeed without GraphQL errors; return `data`."""
        body = await self.execute(query, variables, token=token)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def login(self, email: str, password: str = PASSWORD) -> str:
        data = await self.data(LOGIN, {"email": email, "password": password})
        assert data["login"]["errors"] == [], data
        return data["login"]["tokens"]["accessToken"]  # type: ignore[no-any-return]


LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    tokens { accessToken refreshToken accessTokenExpiresAt user { id email role } }
    errors { code message field }
  }
}
"""


class WSClient:
    """A minimal graphql-transport-ws client over a real WebSocket."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._ids = itertools.count(1)

    @classmethod
    async def connect(
        cls, ws_url: str, payload: dict[str, Any] | None, *, ack: bool = True
    ) -> WSClient:
        connection = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        client = cls(connection)
        await client.send({"type": "connection_init", "payload": payload or {}})
        if ack:
            message = await client.receive()
            assert message["type"] == "connection_ack", message
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message  # type: ignore[no-any-return]

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return op_id

    async def next_data(self, op_id: str, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message.get("id") == op_id, message
        assert message["type"] == "next", message
        return message["payload"]  # type: ignore[no-any-return]

    async def expect_silence(self, seconds: float = 0.7) -> None:
        try:
            message = await asyncio.wait_for(self.connection.recv(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, received {message}")

    async def close(self) -> None:
        await self.connection.close()


@dataclass
class Factory:
    """Creates data through the services, as a platform admin would."""

    state: AppState
    _actor: Actor | None = None

    def _uow(self) -> Any:
        return unit_of_work(self.state.db, self.state.hub, self.state.deps)

    async def platform_admin(self) -> User:
        async with self._uow() as uow:
            return await accounts.create_platform_admin(
                uow,
                email=f"{unique('root')}@example.test",
                password=PASSWORD,
                first_name="Root",
                last_name="Admin",
            )

    async def actor(self) -> Actor:
        """One platform admin per factory acts for every factory call."""
        if self._actor is None:
            self._actor = accounts.actor_for(await self.platform_admin())
        return self._actor

    async def school(
        self, *, slug: str | None = None, time_zone: str = "Europe/London", **settings: Any
    ) -> Any:
        actor = await self.actor()
        async with self._uow() as uow:
            return await schools.create_school(
                uow,
                actor,
                {
                    "name": f"School {slug or ''}".strip(),
                    "slug": slug or unique("school-"),
                    "time_zone": time_zone,
                    "currency": "GBP",
                    **settings,
                },
            )

    async def user(
        self, school: Any, role: Role, *, email: str | None = None, status: str = "active"
    ) -> User:
        actor = await self.actor()
        async with self._uow() as uow:
            user = await accounts.create_user(
                uow,
                actor,
                school_id=school.id,
                role=role,
                email=email or f"{unique(role.value)}@example.test",
                password=PASSWORD,
                first_name="Test",
                last_name=role.value.title(),
                phone=None,
            )
            user.status = status
            return user

    async def assign(self, student: User, instructor: User, **fields: Any) -> Any:
        actor = await self.actor()
        async with self._uow() as uow:
            return await assignments.assign_instructor(
                uow,
                actor,
                student_id=student.id,
                instructor_id=instructor.id,
                assignment_type=fields.get("assignment_type", "primary"),
                priority=fields.get("priority", 1),
                starts_on=fields.get("starts_on"),
                ends_on=fields.get("ends_on"),
                notes=fields.get("notes"),
            )

    async def last_message(self, recipient: str, template: str) -> OutboundMessage:
        async with self.state.db.session() as session:
            message = await session.scalar(
                select(OutboundMessage)
                .where(OutboundMessage.recipient == recipient, OutboundMessage.template == template)
                .order_by(OutboundMessage.created_at.desc())
                .limit(1)
            )
        assert message is not None, f"no {template} message to {recipient}"
        return message


@dataclass
class SchoolWorld:
    """A school with an admin, two instructors and students, one of them assigned."""

    school: Any
    admin: User
    instructor: User
    other_instructor: User
    student: User
    other_student: User
    pending: User
    assignment: Any


async def build_school_world(factory: Factory, slug: str | None = None) -> SchoolWorld:
    school = await factory.school(slug=slug)
    admin = await factory.user(school, Role.SCHOOL_ADMIN)
    instructor = await factory.user(school, Role.INSTRUCTOR)
    other_instructor = await factory.user(school, Role.INSTRUCTOR)
    student = await factory.user(school, Role.STUDENT)
    other_student = await factory.user(school, Role.STUDENT)
    pending = await factory.user(school, Role.STUDENT, status="pending_review")
    assignment = await factory.assign(student, instructor)
    await factory.assign(other_student, other_instructor)
    return SchoolWorld(
        school, admin, instructor, other_instructor, student, other_student, pending, assignment
    )
