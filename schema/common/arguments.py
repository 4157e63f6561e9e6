"""Argument descriptions shared by every domain."""

from __future__ import annotations

import strawberry

INPUT = strawberry.argument(description="Everything the mutation needs; see the input type.")
