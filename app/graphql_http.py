"""GraphQL over HTTP, following the GraphQL-over-HTTP specification.

* ``application/graphql-response+json`` when the client accepts it; otherwise
  ``application/json`` (also for ``*/*`` or no Accept header).
* A request that is not well-formed (unreadable JSON, parameters of the wrong type,
  a JSON array: batching is off) answers 400 whatever the media type.
* A well-formed request whose document fails to parse or validate, or whose variables
  cannot be coerced, is a GraphQL request error: 400 with ``graphql-response+json`` and,
  as the spec asks for the legacy type, 200 with ``application/json``. Either way the
  body has ``errors`` and no ``data``.
* POST needs ``Content-Type: application/json`` in UTF-8 (415 otherwise). GET runs
  queries only: a mutation over GET is 405 with ``Allow: POST``.
* An invalid or expired bearer token is 401 with ``extensions.code`` UNAUTHENTICATED.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from app.auth import bearer_token, client_address
from app.database import start_counting
from app.ide import graphiql_html
from app.settings import Settings
from resolvers.context import AppState, Context
from services.auth import authenticate
from services.security import InvalidToken

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = "GET, POST"


class RequestError(Exception):
    """A request refused before execution, answered with ``status`` whatever the media type."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        code: str = "BAD_REQUEST",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.headers = headers or {}


class DocumentError(RequestError):
    """A well-formed request whose GraphQL document cannot run (a GraphQL request error):
    400 with graphql-response+json, 200 with legacy application/json."""


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((media.lower(), quality - index * 1e-6))
    return sorted(ranges, key=lambda item: -item[1])


def negotiate(accept: str | None) -> str | None:
    """The response media type, or None when the client accepts neither JSON type."""
    if not accept or not accept.strip():
        return JSON
    for media, _quality in _media_ranges(accept):
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in (JSON, "application/*", "*/*"):
            return JSON
    return None


def wants_html(request: Request) -> bool:
    ranges = _media_ranges(request.headers.get("accept", ""))
    return bool(ranges) and ranges[0][0] == "text/html"


def request_error_status(media: str) -> int:
    """The status of a GraphQL request error: the legacy JSON type keeps 200."""
    return 400 if media == GRAPHQL_RESPONSE else 200


class GraphQLHTTP:
    def __init__(self, schema: Any, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings

    async def endpoint(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        try:
            return await self._handle(request, media or JSON)
        except RequestError as exc:
            return self._error_response(exc, media or JSON)

    def _error_response(self, exc: RequestError, media: str) -> Response:
        status = exc.status
        if isinstance(exc, DocumentError):
            status = request_error_status(media)
        body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
        return self._json(body, status, media, exc.headers)

    @staticmethod
    def _json(
        body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(
            orjson.dumps(body),
            status_code=status,
            headers=headers,
            media_type=f"{media}; charset=utf-8",
        )

    async def _handle(self, request: Request, media: str) -> Response:
        method = request.method
        if method not in ("GET", "POST"):
            raise RequestError(
                f"{method} is not supported; use GET or POST.",
                405,
                "METHOD_NOT_ALLOWED",
                {"allow": ALLOWED_METHODS},
            )
        if method == "GET" and "query" not in request.query_params and wants_html(request):
            if not self.settings.graphql_ide:
                raise RequestError("The GraphQL IDE is disabled.", 404, "NOT_FOUND")
            return HTMLResponse(graphiql_html())
        if negotiate(request.headers.get("accept")) is None:
            raise RequestError(f"Accept {GRAPHQL_RESPONSE} or {JSON}.", 406, "NOT_ACCEPTABLE")
        params = await self._parameters(request)
        state: AppState = request.app.state.runtime.state
        # Counted from here, so `extensions.sqlStatements` includes the token's session check.
        counter = start_counting()
        actor = None
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            try:
                actor = await authenticate(
                    state.db, state.deps.tokens, token, client_address(request)
                )
            except InvalidToken:
                raise RequestError(
                    "The access token is invalid or has expired.",
                    401,
                    "UNAUTHENTICATED",
                    {"www-authenticate": 'Bearer error="invalid_token"'},
                ) from None
        context = Context(
            state,
            request=request,
            response=None,
            actor=actor,
            client_address=client_address(request),
        )
        allowed = (
            {OperationType.QUERY}
            if method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            result = await self.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operationName"],
                allowed_operation_types=allowed,
                operation_extensions=params["extensions"],
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise RequestError(
                    "Subscriptions are served over WebSocket (graphql-transport-ws) at this URL."
                ) from None
            raise RequestError(
                "Mutations are only allowed over POST.",
                405,
                "METHOD_NOT_ALLOWED",
                {"allow": "POST"},
            ) from None
        except CannotGetOperationTypeError as exc:
            raise DocumentError(exc.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestError("The request has no GraphQL query.") from None

        errors = result.errors or []
        body: dict[str, Any] = {}
        if errors:
            body["errors"] = [error.formatted for error in errors]
        if not context.execution_started or (
            result.data is None and errors and all(error.path is None for error in errors)
        ):
            # Parse, validation or variable-coercion failure (errors with no field path):
            # a GraphQL request error, answered with no `data` entry. If what failed
            # before any field ran was the server itself (masked as internal), say 500.
            internal = any(
                (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR" for error in errors
            )
            return self._json(body, 500 if internal else request_error_status(media), media)
        body["data"] = result.data
        extensions = dict(result.extensions or {})
        if self.settings.expose_sql_count:
            extensions["sqlStatements"] = counter.count
        if extensions:
            body["extensions"] = extensions
        return self._json(body, 200, media)

    async def _parameters(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            raw: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if isinstance(raw.get(key), str) and raw[key]:
                    raw[key] = self._parse_json(raw[key], key)
        else:
            content_type = request.headers.get("content-type", "")
            media, _, params = content_type.partition(";")
            if media.strip().lower() != JSON:
                raise RequestError(
                    f"POST requests need Content-Type: {JSON}.", 415, "UNSUPPORTED_MEDIA_TYPE"
                )
            charset = params.strip().lower()
            if (
                charset
                and charset.startswith("charset=")
                and charset[8:].strip('"') not in ("utf-8", "utf8")
            ):
                raise RequestError(
                    "Only UTF-8 request bodies are supported.", 415, "UNSUPPORTED_MEDIA_TYPE"
                )
            body = await self._read_body(request)
            if not body.strip():
                raise RequestError("The request body is empty; send a JSON object with a `query`.")
            raw = self._parse_json(body, "body")
        if isinstance(raw, list):
            raise RequestError(
                "Batched requests are not supported; send one operation per request."
            )
        if not isinstance(raw, dict):
            raise RequestError("The request body must be a JSON object.")
        query = raw.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RequestError("`query` must be a non-empty string.")
        operation_name = raw.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError("`operationName` must be a string or null.")
        for key in ("variables", "extensions"):
            if raw.get(key) is not None and not isinstance(raw[key], dict):
                raise RequestError(f"`{key}` must be an object or null.")
        return {
            "query": query,
            "operationName": operation_name or None,
            "variables": raw.get("variables"),
            "extensions": raw.get("extensions"),
        }

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestError(
                f"The request body is larger than {limit} bytes.", 413, "PAYLOAD_TOO_LARGE"
            )
        chunks = bytearray()
        async for chunk in request.stream():
            chunks.extend(chunk)
            if len(chunks) > limit:
                raise RequestError(
                    f"The request body is larger than {limit} bytes.", 413, "PAYLOAD_TOO_LARGE"
                )
        return bytes(chunks)

    @staticmethod
    def _parse_json(raw: str | bytes, what: str) -> Any:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise RequestError(f"The {what} is not valid JSON.") from None
