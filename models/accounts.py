"""Users, their role profiles, and the records behind authentication (SPEC §1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UUIDPK, Base, CreatedAt, JSONObject, Timestamp, TimestampMixin, user_fk

ROLES = ("platform_admin", "school_admin", "instructor", "student")
USER_STATUSES = ("pending_review", "active", "rejected", "suspended")


class User(TimestampMixin, Base):
    """An account. Platform admins have no school; everyone else belongs to exactly one."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role_values"),
        CheckConstraint(f"status IN {USER_STATUSES}", name="status_values"),
        CheckConstraint(
            "(role = 'platform_admin') = (school_id IS NULL)", name="school_matches_role"
        ),
        CheckConstraint("phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'", name="phone_e164"),
        Index(
            "uq_users_email_lower",
            func.lower(text("email")),
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_users_school_role", "school_id", "role", "created_at", "id"),
    )

    id: Mapped[UUIDPK]
    school_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str] = mapped_column(String(16), server_default=text("'en-GB'"))
    preferences: Mapped[JSONObject]
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'active'"))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    email_verified_at: Mapped[Timestamp | None]
    phone_verified_at: Mapped[Timestamp | None]
    last_login_at: Mapped[Timestamp | None]
    deleted_at: Mapped[Timestamp | None]


class StudentProfile(TimestampMixin, Base):
    __tablename__ = "student_profiles"
    __table_args__ = (
        CheckConstraint(
            "licence_type IN ('provisional', 'full', 'none')", name="licence_type_values"
        ),
        CheckConstraint(
            "experience_level IN ('beginner', 'some_experience', 'test_ready')",
            name="experience_values",
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    licence_type: Mapped[str] = mapped_column(String(20), server_default=text("'provisional'"))
    experience_level: Mapped[str] = mapped_column(String(20), server_default=text("'beginner'"))
    theory_test_passed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    theory_test_passed_on: Mapped[date | None] = mapped_column(Date)
    practical_test_date: Mapped[date | None] = mapped_column(Date)
    medical_notes: Mapped[str | None] = mapped_column(Text)
    emergency_contact: Mapped[str | None] = mapped_column(String(300))
    preferred_areas: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'")
    )
    goals: Mapped[str | None] = mapped_column(Text)


class InstructorProfile(TimestampMixin, Base):
    __tablename__ = "instructor_profiles"
    __table_args__ = (
        CheckConstraint("max_students BETWEEN 0 AND 500", name="max_students_range"),
        CheckConstraint("max_hours_per_week BETWEEN 0 AND 80", name="max_hours_range"),
        CheckConstraint("buffer_minutes BETWEEN 0 AND 120", name="buffer_range"),
        CheckConstraint("hourly_rate_minor >= 0", name="rate_non_negative"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    licence_number: Mapped[str | None] = mapped_column(String(50))
    specialisations: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), server_default=text("'{}'")
    )
    hourly_rate_minor: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    bio: Mapped[str | None] = mapped_column(Text)
    vehicle: Mapped[JSONObject]
    certifications: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'")
    )
    areas_covered: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'")
    )
    max_students: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    max_hours_per_week: Mapped[int] = mapped_column(Integer, server_default=text("40"))
    buffer_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))


class AdminProfile(TimestampMixin, Base):
    """Finer-grained permissions of a school admin."""

    __tablename__ = "admin_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    department: Mapped[str | None] = mapped_column(String(100))
    can_manage_users: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    can_assign_instructors: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    can_manage_packages: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    can_moderate_community: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    can_manage_finances: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class AuthSession(Base):
    """A login: the family of refresh tokens that descend from one `login`."""

    __tablename__ = "auth_sessions"

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[CreatedAt]
    revoked_at: Mapped[Timestamp | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(50))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    client_address: Mapped[str | None] = mapped_column(INET)


class RefreshToken(Base):
    """One refresh token; only its SHA-256 is stored. A used token is spent forever."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("uq_refresh_tokens_token_hash", "token_hash", unique=True),)

    id: Mapped[UUIDPK]
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    used_at: Mapped[Timestamp | None]


class OneTimeToken(Base):
    """Email/phone verification and password reset tokens, stored hashed, single use.

    Email and reset tokens are 256-bit and looked up by digest; a phone code is six digits,
    so it is checked against the user's one live code and allows a few ``attempts``."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email', 'verify_phone', 'reset_password')", name="purpose_values"
        ),
        Index("uq_one_time_tokens_token_hash", "token_hash", unique=True),
    )

    id: Mapped[UUIDPK]
    user_id: Mapped[uuid.UUID] = user_fk(ondelete="CASCADE")
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    used_at: Mapped[Timestamp | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class LoginAttempt(Base):
    """Every login attempt, successful or not; failures drive throttling."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_time", "email_lower", "attempted_at"),
        Index("ix_login_attempts_address_time", "client_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email_lower: Mapped[str] = mapped_column(String(320))
    client_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[CreatedAt]
