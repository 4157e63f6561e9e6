"""Recurring lesson series (SPEC §2, recurring lessons).

errors.py       the codes clients see in `SeriesError.code` (and conflicts' codes)
rules.py        the dates a rule produces (pure arithmetic, no I/O)
generation.py   turning dates into bookings through the scheduling core, idempotently;
                the worker's periodic extension
manage.py       create, change (this / this and following / all), pause, resume, end
visibility.py   who sees which series
notices.py      events and messages about series (conflicts, changes)
"""
