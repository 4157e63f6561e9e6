"""The project's shape: our top-level packages are ours, and dependencies point one way."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["app", "models", "services", "schema", "resolvers", "subscriptions", "migrations"]

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize("name", PACKAGES)
def test_top_level_names_are_imported_from_this_repository(name: str) -> None:
    # `schema` and others are also PyPI package names; ours must win.
    module = importlib.import_module(name)

    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__


def _imports(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((str(path.relative_to(ROOT)), alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("models", ("services", "resolvers", "schema", "app.asgi", "strawberry", "subscriptions")),
        ("services", ("resolvers", "schema", "strawberry", "starlette", "app.asgi", "app.cli")),
        ("resolvers", ("schema", "app.asgi", "app.cli")),
        ("subscriptions", ("services", "resolvers", "schema", "strawberry")),
    ],
)
def test_dependencies_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    offending = sorted(
        (path, module)
        for path, module in _imports(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    )

    assert offending == []
