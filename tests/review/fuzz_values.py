"""Adversarial but well-typed values for each GraphQL input type the schema uses.

Every value is fixed (no randomness), so a run is the same run everywhere. Strings stay
under the HTTP layer's 100 kB body limit, so they reach the resolvers rather than the
413 answer (which tests/http covers).
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta
from typing import Any

from services.series.rules import nth_weekday

LONG = 90_000
LIST_OF = 1_000
# A well-formed id of a row that does not exist (fixed, so every run sends the same one).
NOWHERE = uuid.UUID("00000000-0000-4000-8000-00000000f022")

Labelled = list[tuple[str, Any]]


def raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


STRINGS: Labelled = [
    ("empty", ""),
    ("whitespace", "  \n\t  "),
    (f"{LONG} characters", "x" * LONG),
    ("NUL", "before\x00after"),
    ("control characters", "bell\x07 escape\x1b[31m delete\x7f"),
    ("emoji and astral", "🚗💨 Ünïcödé 𝔘𝔫𝔦"),
    ("right-to-left", "\u202eevil\u202c مرحبا שלום"),
    ("zero-width only", "\u200b\ufeff\u2060"),
    ("SQL and script", "'; DROP TABLE users; --<script>alert(1)</script><img onerror=x>"),
]

# The strings whose shape, not content, is odd (the rest only matter once past the checks).
STRING_EDGES = {"empty", f"{LONG} characters", "NUL"}

INTS: Labelled = [
    ("zero", 0),
    ("minus one", -1),
    ("int32 max", 2**31 - 1),
    ("int32 min", -(2**31)),
]

# NaN and infinities are not JSON; these are.
FLOATS: Labelled = [
    ("zero", 0.0),
    ("negative", -1.5),
    ("huge", 1e308),
    ("huge negative", -1e308),
    ("denormal", 5e-324),
    ("2**63", float(2**63)),
]

BOOLEANS: Labelled = [("true", True), ("false", False)]


def _spring_forward(year: int) -> date:
    """Europe's spring-forward Sunday (01:00 to 02:00 does not exist in London, 02:00 to
    03:00 in Berlin)."""
    return nth_weekday(year, 3, 6, 5)


def dates(today: date) -> Labelled:
    return [
        ("year 1", "0001-01-01"),
        ("year 9999", "9999-12-31"),
        ("epoch", "1970-01-01"),
        ("yesterday", (today - timedelta(days=1)).isoformat()),
        ("today", today.isoformat()),
        ("29 February", "2028-02-29"),
        ("spring forward", _spring_forward(today.year + 1).isoformat()),
    ]


def datetimes(today: date) -> Labelled:
    spring = _spring_forward(today.year + 1).isoformat()
    soon = (today + timedelta(days=4)).isoformat()
    return [
        ("naive", f"{soon}T10:00:00"),
        ("year 1", "0001-01-01T00:00:00+00:00"),
        ("year 1 at +14:00 (before year 1 in UTC)", "0001-01-01T00:00:00+14:00"),
        ("year 9999", "9999-12-31T23:59:59+00:00"),
        ("year 9999 at -14:00 (after 9999 in UTC)", "9999-12-31T23:59:59-14:00"),
        ("1900", "1900-01-01T00:00:00Z"),
        ("odd offset", f"{soon}T10:00:00+05:45"),
        ("spring-forward gap, naive", f"{spring}T02:30:00"),
        ("spring-forward gap, +01:00", f"{spring}T02:30:00+01:00"),
    ]


# With the spring-forward date above, a local time that does not exist that day.
TIMES: Labelled = [
    ("midnight", "00:00:00"),
    ("23:59", "23:59:00"),
    ("last microsecond", "23:59:59.999999"),
    ("with an offset", "12:00:00+05:00"),
    ("London's gap time 01:30", "01:30:00"),
    ("Berlin's gap time 02:30", "02:30:00"),
]


def _nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"a": value}
    return value


JSONS: Labelled = [
    ("empty object", {}),
    ("array", [1, "two", None]),
    ("string", "just text"),
    ("number", 12345678901234567890),
    ("boolean", True),
    ("NUL in a key", {"a\u0000b": 1}),
    ("NUL in a value", {"k": "a\u0000b"}),
    ("200 levels deep", _nested(200)),
    ("2,000 keys", {f"k{i}": i for i in range(2_000)}),
    ("huge float", {"k": 1e308}),
]


def ids(type_name: str, *, wrong_type: str, foreign: str | None) -> Labelled:
    """Malformed ids, a well-formed id of nothing, a real id of another type and, when
    there is one, the same kind of row in another school."""
    values: Labelled = [
        ("garbage id", "nope"),
        ("empty id", ""),
        ("NUL id", "\x00"),
        ("id with no uuid inside", raw_id(f"{type_name}:not-a-uuid")),
        ("id of no row", raw_id(f"{type_name}:{NOWHERE}")),
        ("another type's id", wrong_type),
    ]
    if foreign is not None:
        values.append(("another school's id", foreign))
    return values


CURSORS: Labelled = [
    ("not base64", "!!!"),
    ("NUL", "\x00"),
    ("JSON null", raw_id("null")),
    ("JSON object", raw_id('{"a": 1}')),
    ("time cursor", raw_id(f'["2030-01-01T00:00:00+00:00", "{NOWHERE}"]')),
    ("naive time cursor", raw_id(f'["2030-01-01T00:00:00", "{NOWHERE}"]')),
    ("year-1 cursor at +14:00", raw_id(f'["0001-01-01T00:00:00+14:00", "{NOWHERE}"]')),
    ("text cursor", raw_id(f'["zzz", "{NOWHERE}"]')),
    ("number cursor", raw_id(f'[1.5, "{NOWHERE}"]')),
    ("huge number cursor", raw_id(f'[123456789012345678901234567890, "{NOWHERE}"]')),
    ("bigint id cursor", raw_id('["2030-01-01T00:00:00+00:00", "99999999999999999999"]')),
    ("text cursor, numeric id", raw_id('["zzz", "5"]')),
    ("2**40 cursor (beyond int32)", raw_id(f'[1099511627776, "{NOWHERE}"]')),
    ("numbered cursor", raw_id('["n", 123456789012345678901234567890]')),
    ("negative numbered cursor", raw_id('["n", -5]')),
    ("listing cursor", raw_id(f'["l", true, "2030-01-01T00:00:00+00:00", "{NOWHERE}"]')),
    ("listing cursor, bad id", raw_id('["l", false, "2030-01-01T00:00:00+00:00", "x"]')),
]
