"""Theory test practice (SPEC §4), in small modules:

    errors        the codes clients see in ``TheoryErrorCode``
    topics        the 14 topics of the UK car theory test
    categories    the topic rows, created from ``topics`` on first use
    access        who sees which bank, which tests and whose progress
    bankfile      the import/export file format (pydantic models; the JSON Schema is made from them)
    importer      validating, importing and exporting bank files, all or nothing
    sample        the original, unofficial sample bank shipped in ``data/``
    bank          admin changes to questions: create, edit, retire
    composition   how a mock test's questions are spread across the topics
    formats       a school's mock-test format (count, time limit, pass mark)
    answers       checking chosen options against a question (practice and mock tests)
    locks         advisory locks that keep practice out of a running mock test
    practice      practice by topic, with immediate feedback
    mock_tests    timed mock tests: start, answer, flag, submit, finalise
    hazard        the hazard-perception scoring rules (pure functions)
    hazard_tests  hazard-perception tests: start, respond, submit, finalise
    progress      per-topic running totals and what a progress reader sees
    readiness     the predicted pass probability (pure functions)
    expiry        the periodic finaliser of expired tests
    clock         the server's clock, injectable in tests

Answers and correctness of a test are never returned before the test is finalised; the
services store them, and the GraphQL types gate every path to them on the test's status.
"""
