"""No money is a float (SPEC §0): every money column the migrations create is an integer
of minor units, and every money field and argument of the GraphQL schema is an Int."""

from __future__ import annotations

from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type
from sqlalchemy import text

from resolvers.context import AppState
from schema import schema

MONEY_SUFFIXES = ("_minor",)


async def test_every_money_column_is_an_integer(state: AppState) -> None:
    async with state.db.session() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND column_name LIKE '%\\_minor'"
                )
            )
        ).all()

    assert len(rows) >= 25  # payments, refunds, packages, invoices, payouts, lessons…
    assert {r.data_type for r in rows} <= {"integer", "bigint"}, [
        (r.table_name, r.column_name, r.data_type)
        for r in rows
        if r.data_type not in {"integer", "bigint"}
    ]


def test_every_money_field_and_argument_of_the_schema_is_an_int() -> None:
    graphql = schema._schema
    money: list[tuple[str, str]] = []
    for type_ in graphql.type_map.values():
        if isinstance(
            type_, GraphQLObjectType | GraphQLInputObjectType
        ) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                if name.endswith("Minor"):
                    money.append((f"{type_.name}.{name}", get_named_type(field.type).name))
                for arg_name, arg in getattr(field, "args", {}).items():
                    if arg_name.endswith("Minor"):
                        money.append(
                            (f"{type_.name}.{name}({arg_name})", get_named_type(arg.type).name)
                        )

    assert len(money) >= 40
    assert {kind for _, kind in money} == {"Int"}, [m for m in money if m[1] != "Int"]
