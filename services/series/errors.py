"""Why a series request failed: the codes clients see in `SeriesError.code`.

Occurrences that could not be booked carry one of these codes too (`conflictCode`): the
placement codes repeat the scheduling core's, so a client reads one vocabulary.
"""

from __future__ import annotations

from enum import StrEnum


class SeriesErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    # Who and what
    STUDENT_NOT_FOUND = "STUDENT_NOT_FOUND"
    INSTRUCTOR_NOT_FOUND = "INSTRUCTOR_NOT_FOUND"
    LESSON_TYPE_NOT_FOUND = "LESSON_TYPE_NOT_FOUND"
    LESSON_TYPE_INACTIVE = "LESSON_TYPE_INACTIVE"
    STUDENT_NOT_ACTIVE = "STUDENT_NOT_ACTIVE"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    OCCURRENCE_NOT_FOUND = "OCCURRENCE_NOT_FOUND"
    # The rule
    INVALID_DATES = "INVALID_DATES"
    RANGE_TOO_LONG = "RANGE_TOO_LONG"
    NONEXISTENT_LOCAL_TIME = "NONEXISTENT_LOCAL_TIME"
    MISALIGNED_START = "MISALIGNED_START"
    NOTHING_TO_CHANGE = "NOTHING_TO_CHANGE"
    SERIES_ENDED = "SERIES_ENDED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Placing a lesson (the scheduling core's codes)
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    OUTSIDE_WORKING_HOURS = "OUTSIDE_WORKING_HOURS"
    WEEKLY_HOURS_EXCEEDED = "WEEKLY_HOURS_EXCEEDED"
    IN_THE_PAST = "IN_THE_PAST"
    BEYOND_HORIZON = "BEYOND_HORIZON"
    INVALID_STATUS = "INVALID_STATUS"
    TOO_LATE = "TOO_LATE"
