"""A byte-forwarding proxy in front of PostgreSQL that a test can break at will.

It stands for the network between a Clutch process and its broadcast backend:
``cut()`` drops every open connection, ``refuse`` turns new ones away, and
``freeze()`` keeps open connections up but silently stops carrying their bytes
(a black hole, which only a heartbeat can notice).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tests.conftest import free_port


@dataclass(eq=False)
class _Pipe:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    frozen: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for writer in (self.client, self.upstream):
            writer.close()


class PostgresProxy:
    def __init__(self, database_url: str) -> None:
        self._target = urlsplit(database_url)
        self._query = parse_qs(self._target.query)
        self._socket_dir = self._query.get("host", [""])[0]
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self.refuse = False
        self.url = ""

    @property
    def _unix(self) -> bool:
        return self._socket_dir.startswith("/")

    @property
    def _port(self) -> int:
        return self._target.port or int(self._query.get("port", ["5432"])[0])

    async def start(self) -> PostgresProxy:
        if self._unix:
            self._tmp = tempfile.TemporaryDirectory(prefix="pgproxy")
            path = Path(self._tmp.name) / f".s.PGSQL.{self._port}"
            self._server = await asyncio.start_unix_server(self._accept, path=str(path))
            query = {**{k: v[0] for k, v in self._query.items()}, "host": self._tmp.name}
            self.url = urlunsplit(self._target._replace(query=urlencode(query)))
        else:
            port = free_port()
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
            netloc = self._target.netloc.rsplit("@", 1)
            host_port = f"127.0.0.1:{port}"
            netloc_text = f"{netloc[0]}@{host_port}" if len(netloc) == 2 else host_port
            self.url = urlunsplit(self._target._replace(netloc=netloc_text))
        return self

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._unix:
            return await asyncio.open_unix_connection(
                str(Path(self._socket_dir) / f".s.PGSQL.{self._port}")
            )
        return await asyncio.open_connection(self._target.hostname or "127.0.0.1", self._port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.close()
            return
        up_reader, up_writer = await self._open_upstream()
        pipe = _Pipe(writer, up_writer)
        self._pipes.add(pipe)
        pipe.tasks = [
            asyncio.create_task(self._carry(pipe, reader, up_writer)),
            asyncio.create_task(self._carry(pipe, up_reader, writer)),
        ]

    async def _carry(
        self, pipe: _Pipe, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(65536):
                if pipe.frozen:
                    continue  # swallowed: the peer never hears of it
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if not pipe.frozen:
                self._pipes.discard(pipe)
                pipe.close()

    def cut(self) -> int:
        """Drop every open connection; how many there were."""
        pipes, self._pipes = self._pipes, set()
        for pipe in pipes:
            pipe.close()
        return len(pipes)

    def freeze(self) -> int:
        """Stop carrying bytes on every open connection, leaving it open."""
        for pipe in self._pipes:
            pipe.frozen = True
        return len(self._pipes)

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        if self._tmp is not None:
            self._tmp.cleanup()
