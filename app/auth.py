"""Reading credentials and the client's address from a request or socket."""

from __future__ import annotations

from typing import Any


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None when there is none."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "\x00invalid"  # a malformed header is a bad credential, not no credential
    return token.strip()


def client_address(connection: Any) -> str:
    client = getattr(connection, "client", None)
    return client.host if client and client.host else "unknown"
