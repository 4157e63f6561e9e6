"""``GET /calendar/<token>.ics``: a private iCalendar feed (services/calendar.py).

Plain HTTP with no ``Authorization`` header (calendar apps cannot send one): the token in
the path is the credential. Anything that is not a live feed — malformed, unknown,
revoked, an owner who was suspended — answers the same 404, so the answer says nothing
about which tokens exist. The token never reaches a log line: the access log's copy of the
path is redacted.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services import calendar

ICALENDAR = "text/calendar; charset=utf-8"
_TOKEN_IN_PATH = re.compile(r"(/calendar/)[^/?\s\"]+")


async def calendar_feed(request: Request) -> Response:
    token = request.path_params["token"]
    async with request.app.state.runtime.state.db.session() as session:
        body = await calendar.render(session, token)
    if body is None:
        return PlainTextResponse("No such calendar.", status_code=404)
    return Response(
        body,
        media_type=ICALENDAR,
        headers={
            "cache-control": "private, no-cache",
            "content-disposition": 'inline; filename="lessons.ics"',
            "referrer-policy": "no-referrer",
            "x-robots-tag": "noindex",
        },
    )


class RedactFeedTokens(logging.Filter):
    """Replaces feed tokens in access-log lines (uvicorn logs the request path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(arg, str) and "/calendar/" in arg for arg in record.args
        ):
            record.args = tuple(
                _TOKEN_IN_PATH.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def redact_feed_tokens_in_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFeedTokens) for f in access.filters):
        access.addFilter(RedactFeedTokens())
