"""Money arithmetic on integer minor units (SPEC §0): the one place that rounds.

Splitting and percentages round so that parts always add back up to the whole, to the
penny: ``sum(share(total, n, i) for i in range(n)) == total``.
"""

from __future__ import annotations


def share(total: int, parts: int, index: int) -> int:
    """The ``index``-th (0-based) of ``parts`` near-equal parts of ``total``; the earlier
    parts carry the remainder's pennies, so the parts add up to ``total`` exactly."""
    if parts < 1 or not 0 <= index < parts:
        raise ValueError("index must name one of the parts")
    base, remainder = divmod(total, parts)
    return base + (1 if index < remainder else 0)


def basis_points(amount: int, bps: int) -> int:
    """``amount`` * ``bps`` / 10,000, rounded half up (1 bp = 0.01 %)."""
    return (amount * bps + 5_000) // 10_000


def percent(amount: int, pct: int) -> int:
    """``amount`` * ``pct`` / 100, rounded half up."""
    return basis_points(amount, pct * 100)


def format_minor(amount: int, currency: str) -> str:
    """``1234, "GBP"`` → ``"12.34 GBP"``, for messages and invoice lines."""
    sign = "-" if amount < 0 else ""
    whole, pennies = divmod(abs(amount), 100)
    return f"{sign}{whole}.{pennies:02d} {currency}"
