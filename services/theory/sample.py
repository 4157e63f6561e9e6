"""The original sample bank shipped with Clutch (services/theory/data/sample_bank.json).

Written for this project from the Highway Code's rules, not copied from any revision
product, and marked unofficial in its ``source``. It ships inside the package, so the
wheel carries it; ``clutch seed-demo`` and ``clutch theory import --sample`` load it.
"""

from __future__ import annotations

from importlib.resources import files

from services.theory.bankfile import BankFile
from services.theory.importer import read_bank_file


def sample_bank_bytes() -> bytes:
    return files("services.theory").joinpath("data/sample_bank.json").read_bytes()


def sample_bank() -> BankFile:
    return read_bank_file(sample_bank_bytes())
