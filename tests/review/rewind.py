"""Rewinding the database to a snapshot between fuzz cases, and telling what a case wrote.

Thousands of adversarial requests each need the same world to act on: a lesson the
first case cancels must still be there for the next. Copying every table once and
restoring only the tables a case wrote keeps that cheap:

* ``install`` copies every table into the ``fuzz_rewind`` schema and puts a row trigger
  on each that notes the table's name in ``fuzz_rewind.dirty``. The note is written in
  the same transaction as the change, so a rolled-back request leaves no note; a note
  means the request committed something to that table.
* ``changed`` compares the noted tables with their copies (an UPDATE that wrote the same
  values is not a change).
* ``restore`` puts the noted tables back as they were. As a superuser it switches
  triggers off for that transaction (foreign keys, the notes) and rewrites only those
  tables; otherwise it empties and refills every table, parents first.
* ``uninstall`` drops the schema; its function goes, and the triggers with it.

Table names come from the models' metadata, never from input, hence the ``noqa: S608``.
"""

from __future__ import annotations

from sqlalchemy import text

from models import Base
from resolvers.context import AppState

SCHEMA = "fuzz_rewind"
TABLES = [table.name for table in Base.metadata.sorted_tables]  # parents first

NOTE = """
CREATE FUNCTION fuzz_rewind.note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fuzz_rewind.dirty VALUES (TG_TABLE_NAME) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""
DIFFERENCE = """
SELECT count(*) FROM (
    (SELECT t::text FROM public."{name}" t EXCEPT ALL SELECT s::text FROM {schema}."{name}" s)
    UNION ALL
    (SELECT s::text FROM {schema}."{name}" s EXCEPT ALL SELECT t::text FROM public."{name}" t)
) d
"""


class Rewind:
    def __init__(self, state: AppState, *, superuser: bool | None = None) -> None:
        self.state = state
        self.superuser = superuser  # None: ask PostgreSQL at install

    async def install(self) -> None:
        async with self.state.db.transaction() as session:
            if self.superuser is None:
                self.superuser = bool(
                    await session.scalar(
                        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    )
                )
            await session.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await session.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            await session.execute(text(f"CREATE TABLE {SCHEMA}.dirty (name text PRIMARY KEY)"))
            await session.execute(text(NOTE))
            for name in TABLES:
                await session.execute(
                    text(f'CREATE TABLE {SCHEMA}."{name}" AS TABLE public."{name}"')
                )
                await session.execute(
                    text(
                        f'CREATE TRIGGER fuzz_rewind_note AFTER INSERT OR UPDATE OR DELETE ON public."{name}" '
                        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.note()"
                    )
                )

    async def dirty(self) -> list[str]:
        """Tables something committed to since the last restore."""
        async with self.state.db.session() as session:
            found = await session.scalars(text(f"SELECT name FROM {SCHEMA}.dirty"))  # noqa: S608
            return sorted(found.all())

    async def changed(self, tables: list[str]) -> dict[str, int]:
        """Of ``tables``, those whose rows differ from the snapshot: name → rows added or lost."""
        differences: dict[str, int] = {}
        async with self.state.db.session() as session:
            for name in tables:
                count = await session.scalar(text(DIFFERENCE.format(name=name, schema=SCHEMA)))
                if count:
                    differences[name] = int(count)
        return differences

    async def restore(self, tables: list[str]) -> None:
        if not tables:
            return
        async with self.state.db.transaction() as session:
            # Nothing here needs to survive a crash: skip the wait for the disk.
            await session.execute(text("SET LOCAL synchronous_commit = off"))
            if self.superuser:
                await session.execute(text("SET LOCAL session_replication_role = replica"))
                refill = [name for name in TABLES if name in tables]
                for name in refill:
                    await session.execute(text(f'DELETE FROM public."{name}"'))  # noqa: S608
            else:
                refill = TABLES
                everything = ", ".join(f'public."{name}"' for name in TABLES)
                await session.execute(text(f"TRUNCATE {everything}"))
            for name in refill:
                await session.execute(
                    text(
                        f'INSERT INTO public."{name}" OVERRIDING SYSTEM VALUE '  # noqa: S608
                        f'SELECT * FROM {SCHEMA}."{name}"'
                    )
                )
            await session.execute(text(f"DELETE FROM {SCHEMA}.dirty"))  # noqa: S608

    async def uninstall(self) -> None:
        async with self.state.db.transaction() as session:
            await session.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
