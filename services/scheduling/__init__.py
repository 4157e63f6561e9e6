"""Scheduling (SPEC §2): lesson types, availability, bookings and the live diary.

    errors        the codes clients see in ``SchedulingError.code``
    lesson_types  what a school sells by the lesson (school admins manage them)
    localtime     wall-clock rules to instants and back, across clock changes
    slots         free time as arithmetic on instants (pure functions)
    availability  working hours, dated exceptions, ``availableSlots``
    placement     the checks every booking, move, series date and accepted offer passes
    bookings      book, confirm, cancel, move, no-show, complete, details
    policy        a school's cancellation tiers and what they decide
    changes       a booking's history and its live events, written together
    visibility    who sees and acts on which bookings (one SQL predicate)
    lesson_start  starting a lesson with a one-time code texted to the student
    requests      reschedule requests: the instructor proposes, the student answers
    waitlist      the waiting list: join, leave, accept or decline an offer
    offers        offering a freed slot to the students waiting for it

Recurring series (``services.series``), feedback (``services.feedback``), the Driver's
Record (``services.progress``) and calendar feeds (``services.calendar``) build on it.
"""
