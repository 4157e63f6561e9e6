"""Input normalisation shared by every domain: emails, phones, names, time zones, text."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from zoneinfo import available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.errors import DomainError


def normalise_email(value: str, code: StrEnum, field: str = "email") -> str:
    try:
        # test_environment admits the reserved .test domain the demo data uses.
        result = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise DomainError(code, "Enter a valid email address.", field) from None
    return result.normalized


def normalise_phone(value: str | None, code: StrEnum, field: str = "phone") -> str | None:
    """E.164 (``+447700900123``); numbers without a country code are read as UK numbers."""
    if value is None or not value.strip():
        return None
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise DomainError(code, "Enter a valid phone number.", field) from None
    # "Possible" (right length for the country), not "valid": numbering plans change faster
    # than libraries, and Ofcom's drama ranges (07700 900xxx) must work in tests.
    if not phonenumbers.is_possible_number(parsed):
        raise DomainError(code, "Enter a valid phone number.", field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_text(
    value: str | None, code: StrEnum, field: str, *, max_length: int, required: bool = False
) -> str | None:
    if value is None:
        if required:
            raise DomainError(code, f"{field} is required.", field)
        return None
    cleaned = value.strip()
    if required and not cleaned:
        raise DomainError(code, f"{field} must not be empty.", field)
    if len(cleaned) > max_length:
        raise DomainError(code, f"{field} must be at most {max_length} characters.", field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
        raise DomainError(code, f"{field} contains control characters.", field)
    return cleaned or None


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def require_time_zone(value: str, code: StrEnum, field: str = "timeZone") -> str:
    """An IANA zone name exactly as the tz database spells it.

    Checked against the database's list rather than by loading the name: ZoneInfo treats
    the name as a file path (a 10,000-character name is an OSError, and on case-insensitive
    file systems "EUROPE/LONDON" would load and be stored in that spelling).
    """
    if value not in _time_zones():
        raise DomainError(code, "Use an IANA time zone such as Europe/London.", field)
    return value


def require_range(value: int, low: int, high: int, code: StrEnum, field: str) -> int:
    if not low <= value <= high:
        raise DomainError(code, f"{field} must be between {low} and {high}.", field)
    return value


def require_instant(value: datetime, code: StrEnum, field: str) -> datetime:
    """``value`` in UTC: it needs an offset, and an instant UTC can hold (year 1 at +14:00
    and 9999 at -14:00 have none, and PostgreSQL could not store them)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(code, "Give the time with its UTC offset.", field)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise DomainError(code, f"{field} is too far in the past or future.", field) from None
