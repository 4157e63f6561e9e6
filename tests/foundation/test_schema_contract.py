"""The committed SDL is the client's contract: it matches the code, and documents everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema import schema

SDL_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
ROOTS = {"Query", "Mutation", "Subscription"}

pytestmark = pytest.mark.no_database


def test_committed_schema_matches_the_code() -> None:
    committed = SDL_FILE.read_text()

    current = schema.as_str() + "\n"

    assert committed == current, "schema/schema.graphql is stale: run `clutch export-schema`"


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not graphql_type.description and name not in ROOTS:
            missing.append(name)
        if isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")

    assert missing == []


def test_relay_node_interface_and_connections_follow_the_spec() -> None:
    sdl = schema.as_str()

    assert "interface Node {" in sdl
    assert "node(\n" in sdl or "node(id:" in sdl
    assert "type PageInfo {" in sdl
    for connection in ("UserConnection", "SchoolConnection", "AssignmentConnection"):
        assert f"type {connection} {{" in sdl


def test_enums_are_upper_case_and_error_codes_are_per_domain() -> None:
    enums = {
        name: t
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    }

    for name, enum in enums.items():
        assert all(value == value.upper() for value in enum.values), name
    assert {"AccountErrorCode", "SchoolErrorCode", "AssignmentErrorCode"} <= set(enums)
