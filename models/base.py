"""Declarative base, naming convention and the column types every domain shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, ForeignKey, MetaData, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UUIDPK = Annotated[
    uuid.UUID,
    mapped_column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]
CreatedAt = Annotated[
    datetime, mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
]
JSONObject = Annotated[
    dict[str, Any], mapped_column(JSONB, server_default=text("'{}'::jsonb"), nullable=False)
]


def school_fk(*, nullable: bool = False, index: bool = True) -> Mapped[uuid.UUID]:
    """The ``school_id`` column every school-owned row carries (SPEC §0, tenancy)."""
    return mapped_column(
        UUID(as_uuid=True),
        ForeignKey("schools.id", ondelete="RESTRICT"),
        nullable=nullable,
        index=index,
    )


def user_fk(*, nullable: bool = False, index: bool = True, ondelete: str = "RESTRICT") -> Any:
    return mapped_column(
        UUID(as_uuid=True),
        ForeignKey("users.id", ondelete=ondelete),
        nullable=nullable,
        index=index,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every instant is timestamptz (SPEC §0); a naive timestamp column cannot be declared.
    type_annotation_map = {datetime: DateTime(timezone=True)}


class TimestampMixin:
    # `updated_at` is set by SQL at each UPDATE; fetch it in that UPDATE's RETURNING.
    # Otherwise the ORM expires it, and a resolver reading it after the unit of work has
    # closed its session fails (DetachedInstanceError) instead of answering.
    __mapper_args__ = {"eager_defaults": True}

    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
