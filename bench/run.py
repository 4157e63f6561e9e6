"""Benchmark named GraphQL operations against a freshly seeded Clutch server.

    python bench/run.py [--operations me,users_page] [--duration 10] [--connections 16]

Starts `clutch serve --demo` on a free port of 127.0.0.1 with its own embedded PostgreSQL
under bench/results/tmp/, records the SQL statements of each operation from
`extensions.sqlStatements`, measures throughput and latency with wrk, writes
bench/results/<UTC timestamp>-<operation>.json and bench/results/latest.md, and stops
the server at the end (also on Ctrl-C). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from operations import DEMO_PASSWORD, OPERATIONS, Operation, by_name

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
TMP = RESULTS / "tmp"
LUA_SCRIPT = BENCH / "graphql.lua"
HOST = "127.0.0.1"  # the harness only ever loads a server it started itself, locally

LOGIN = """
mutation BenchLogin($input: LoginInput!) {
  login(input: $input) { tokens { accessToken } errors { code message } }
}
"""


def bounded(low: float, high: float, kind: type = int) -> Any:
    def parse(raw: str) -> Any:
        value = kind(raw)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure throughput, latency percentiles and SQL statements of named "
        "GraphQL operations against a freshly seeded local Clutch server (uses wrk).",
    )
    parser.add_argument(
        "--operations",
        default=",".join(op.name for op in OPERATIONS),
        help="comma-separated operation names (default: all): "
        + ", ".join(op.name for op in OPERATIONS),
    )
    parser.add_argument(
        "--duration", type=bounded(1, 300), default=10, help="seconds per operation (1–300)"
    )
    parser.add_argument(
        "--connections", type=bounded(1, 256), default=16, help="open connections (1–256)"
    )
    parser.add_argument(
        "--threads", type=bounded(1, 16), default=None, help="wrk threads (default: min(2, C))"
    )
    parser.add_argument(
        "--warmup",
        type=bounded(0, 60),
        default=2,
        help="seconds of unrecorded load before each measurement (0–60)",
    )
    parser.add_argument(
        "--timeout",
        type=bounded(1, 60),
        default=10,
        help="seconds before wrk counts a request as timed out (1–60)",
    )
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the temporary data directory and server log under bench/results/tmp/",
    )
    args = parser.parse_args(argv)
    known = by_name()
    names = [name.strip() for name in args.operations.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        parser.error(
            f"unknown operation(s): {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(known)}"
        )
    args.selected = [known[name] for name in dict.fromkeys(names)]
    args.threads = min(args.threads or 2, args.connections)
    return args


_progress_shown = False


def say(message: str = "") -> None:
    """Print a line, replacing a progress line if one is showing."""
    global _progress_shown  # noqa: PLW0603 - one terminal, one progress line
    prefix = "\r\033[K" if _progress_shown else ""
    _progress_shown = False
    print(prefix + message, flush=True)


_last_plain_progress = 0.0


def progress(message: str) -> None:
    """Show a one-line status that the next line printed replaces (on a terminal);
    into a pipe or file, print it as a plain line every few seconds."""
    global _progress_shown, _last_plain_progress  # noqa: PLW0603
    if sys.stdout.isatty():
        _progress_shown = True
        print("\r\033[K" + message, end="", flush=True)
    elif time.monotonic() - _last_plain_progress >= 5:
        _last_plain_progress = time.monotonic()
        print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clutch_command() -> list[str]:
    venv = ROOT / ".venv" / "bin" / "clutch"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("clutch")
    if found:
        return [found]
    sys.exit("`clutch` is not installed: run `pip install -e .` in the repository first.")


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit(
            "wrk is not installed; the harness measures load with it.\n"
            "  Debian/Ubuntu: sudo apt-get install -y wrk\n"
            "  macOS:         brew install wrk\n"
            "Then run this command again."
        )
    return found


def run_text(command: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed local tools, no shell
            command, capture_output=True, text=True, timeout=10, check=False, cwd=ROOT
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout + done.stderr).strip()


def machine() -> dict[str, Any]:
    model = ""
    memory_mib = None
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mib = int(line.split()[1]) // 1024
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "memory_mib": memory_mib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "wrk": run_text(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else None,
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def git_commit() -> dict[str, Any]:
    commit = run_text(["git", "rev-parse", "--short", "HEAD"])
    dirty = bool(run_text(["git", "status", "--porcelain", "--untracked-files=no"]))
    return {"commit": commit or None, "dirty": dirty}


# --- the server under test ---------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    data_dir: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def server_environment(data_dir: Path) -> dict[str, str]:
    # Drop the caller's Clutch configuration so every run measures the same thing:
    # embedded PostgreSQL, PostgreSQL LISTEN/NOTIFY broadcast, default (production) argon2.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CLUTCH_") and key not in {"DATABASE_URL", "BROADCAST_URL"}
    }
    env.update(
        CLUTCH_ENV="development",
        CLUTCH_DATA_DIR=str(data_dir),
        CLUTCH_LOG_LEVEL="WARNING",  # no per-request access log
        CLUTCH_REQUESTS_PER_MINUTE=str(1_000_000_000),  # the rate limiter must not shape load
        CLUTCH_EXPOSE_SQL_COUNT="true",
    )
    return env


def data_directory(work_dir: Path) -> Path:
    data_dir = work_dir / "data"
    # Embedded PostgreSQL puts its Unix socket in <data_dir>/postgres; socket paths are
    # limited to 107 bytes, so a deep checkout falls back to a short directory in /tmp.
    if len(str(data_dir / "postgres" / ".s.PGSQL.5432")) > 100:
        data_dir = Path(tempfile.mkdtemp(prefix="clutch-bench-"))
    return data_dir


@contextmanager
def running_server(work_dir: Path) -> Iterator[Server]:
    data_dir = data_directory(work_dir)
    log_path = work_dir / "server.log"
    port = free_port()
    command = [*clutch_command(), "serve", "--demo", "--host", HOST, "--port", str(port)]
    say(f"Starting Clutch on {HOST}:{port} (data in {data_dir})…")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, no shell
            command,
            cwd=work_dir,  # so that a developer's .env is not read
            env=server_environment(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the harness, which stops the server
        )
    server = Server(process, port, log_path, data_dir)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(server)
        if data_dir.parent != work_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def wait_until_healthy(server: Server, limit: float = 300) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if server.process.poll() is not None:
            raise SystemExit(
                f"Clutch exited with status {server.process.returncode} before it was ready:\n"
                + server.log_tail()
            )
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    say(f"Server ready after {time.monotonic() - started:.1f} s.")
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        progress(f"  waiting for /healthz… {time.monotonic() - started:4.0f} s")
        time.sleep(0.5)
    raise SystemExit(f"Clutch did not become healthy within {limit:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    process = server.process
    if process.poll() is not None:
        return
    say("Stopping the server…")
    # A second Ctrl-C must not leave the server (and its PostgreSQL) running.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # SIGINT is uvicorn's graceful shutdown; the lifespan then stops embedded PostgreSQL.
        for sig, grace in ((signal.SIGINT, 60), (signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                process.send_signal(sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                say(f"  the server did not stop after {signal.Signals(sig).name}; escalating")
    finally:
        signal.signal(signal.SIGINT, previous)


# --- GraphQL calls for set-up and SQL counts ----------------------------------------------


class Api:
    def __init__(self, base_url: str, data_dir: Path | None = None) -> None:
        self.url = f"{base_url}/graphql"
        self.tokens: dict[str, str] = {}
        self.data_dir = data_dir

    def database(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run ``work(connection)`` on an asyncpg connection to the server's embedded
        PostgreSQL, in one transaction: for data no mutation may create (lessons completed
        in the past). Prefer the API everywhere else."""
        if self.data_dir is None:
            raise RuntimeError("this Api was made without the server's data directory")
        pgdata = (self.data_dir / "postgres").resolve()

        async def connect_and_run() -> Any:
            import asyncpg

            connection = await asyncpg.connect(host=str(pgdata), user="postgres", database="clutch")
            try:
                async with connection.transaction():
                    return await work(connection)
            finally:
                await connection.close()

        return asyncio.run(connect_and_run())

    def post(self, body: Mapping[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"HTTP {exc.code}: {exc.read().decode(errors='replace')}") from exc

    def login(self, email: str) -> str:
        body = self.post(
            {"query": LOGIN, "variables": {"input": {"email": email, "password": DEMO_PASSWORD}}}
        )
        payload = (body.get("data") or {}).get("login") or {}
        if body.get("errors") or payload.get("errors") or not payload.get("tokens"):
            raise RuntimeError(f"could not log in {email}: {body}")
        return str(payload["tokens"]["accessToken"])

    def token(self, email: str) -> str:
        if email not in self.tokens:
            self.tokens[email] = self.login(email)
        return self.tokens[email]

    def execute(
        self, document: str, variables: Mapping[str, Any] | None = None, *, as_user: str | None
    ) -> dict[str, Any]:
        token = self.token(as_user) if as_user else None
        body = self.post({"query": document, "variables": dict(variables or {})}, token)
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body


class StatementLog:
    """Counts the statements PostgreSQL itself receives while a few requests run.

    `extensions.sqlStatements` counts the queries the resolvers issue. PostgreSQL also
    sees the round trips around them: the authentication lookup, pool pre-ping, and the
    BEGIN/ROLLBACK of every short session. The embedded cluster is switched to
    `log_statement = 'all'` for the sample only and its log (<data_dir>/postgres/log) read
    back. Optional: without asyncpg or that log file the figure is left out.
    """

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.log_file = self.pgdata / "log"

    async def _set(self, value: str | None) -> int:
        import asyncpg

        connection = await asyncpg.connect(
            host=str(self.pgdata), user="postgres", database="postgres"
        )
        try:
            if value is None:
                await connection.execute("ALTER SYSTEM RESET log_statement")
            else:
                await connection.execute(f"ALTER SYSTEM SET log_statement = '{value}'")
            await connection.execute("SELECT pg_reload_conf()")
            return int(await connection.fetchval("SELECT pg_backend_pid()"))
        finally:
            await connection.close()

    def sample(self, send: Callable[[], None], requests: int) -> dict[str, float] | None:
        if not self.log_file.is_file():
            return None
        try:
            own = {asyncio.run(self._set("all"))}
            time.sleep(0.3)  # the postmaster passes the reload on to the backends
            offset = self.log_file.stat().st_size
            for _ in range(requests):
                send()
            time.sleep(0.3)
            end = self.log_file.stat().st_size
            own.add(asyncio.run(self._set(None)))
        except Exception:  # the figure is optional (no asyncpg, socket moved…)
            return None
        with self.log_file.open("rb") as log:
            log.seek(offset)
            text = log.read(end - offset).decode(errors="replace")
        counts = {"total": 0, "begin": 0, "commit": 0, "rollback": 0}
        for match in LOGGED_STATEMENT.finditer(text):
            if int(match["pid"]) in own:
                continue
            counts["total"] += 1
            word = match["sql"].strip().rstrip(";").lower()
            if word in counts:
                counts[word] += 1
        return {key: round(value / requests, 1) for key, value in counts.items()}


LOGGED_STATEMENT = re.compile(
    r"^\S+ \S+ \S+ \[(?P<pid>\d+)\] LOG:  (?:statement|execute [^:]*): (?P<sql>[^\n]*)",
    re.MULTILINE,
)


def count_pg_statements(
    operation: Operation, server: Server, api: Api, token: str | None, requests: int = 20
) -> dict[str, float] | None:
    """Statements PostgreSQL receives per request, over sequential requests."""
    bodies = operation.bodies()
    sent = iter(range(requests))

    def send() -> None:
        api.post(bodies[next(sent) % len(bodies)], token)

    return StatementLog(server.data_dir).sample(send, requests)


class CpuMeter:
    """How busy the machine and the server process were during a measurement (Linux).

    The server's share says whether it was CPU-bound; the machine's says whether anything
    else competed for the cores (other processes lower every figure).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start = self._read()

    def _read(self) -> tuple[float, int, int, int] | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            values = [int(value) for value in fields]
            idle = values[3] + values[4]  # idle + iowait
            process = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            server = int(process[11]) + int(process[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return None
        return time.monotonic(), sum(values), idle, server

    def stop(self) -> dict[str, float] | None:
        end = self._read()
        if self.start is None or end is None:
            return None
        seconds = end[0] - self.start[0]
        total, idle = end[1] - self.start[1], end[2] - self.start[2]
        server = (end[3] - self.start[3]) / self.ticks
        return {
            "machine_busy_percent": round(100 * (total - idle) / total, 1) if total else 0.0,
            "server_process_percent_of_one_core": round(100 * server / seconds, 1),
        }


# --- wrk ----------------------------------------------------------------------------------


def run_wrk(
    *,
    url: str,
    bodies_file: Path | None,
    token: str | None,
    seconds: int,
    args: argparse.Namespace,
    label: str,
    get_path: str | None = None,
) -> tuple[dict[str, Any], str]:
    target = ["--get"] if bodies_file is None else [str(bodies_file), token or ""]
    command = [
        require_wrk(),
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds}s",
        f"--timeout={args.timeout}s",
        "--latency",
        f"--script={LUA_SCRIPT}",
        f"{url}{get_path or '/graphql'}",
        "--",
        *target,
    ]
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - wrk with fixed arguments, no shell
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        while process.poll() is None:
            elapsed = time.monotonic() - started
            progress(f"  {label}: {min(elapsed, seconds):4.0f}/{seconds} s")
            time.sleep(0.5)
        output = process.stdout.read() if process.stdout else ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed (status {process.returncode}):\n{output}")
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON ")), output
    raise RuntimeError(f"wrk printed no WRK_JSON summary:\n{output}")


def ms(microseconds: float) -> float:
    return round(microseconds / 1000, 2)


def latency_ms(latency: dict[str, Any]) -> dict[str, float]:
    percentiles = {f"p{name}": ms(value) for name, value in latency["percentiles"].items()}
    rest = {key: ms(latency[key]) for key in ("min", "max", "mean", "stdev")}
    return percentiles | rest


def measure(
    operation: Operation, server: Server, api: Api, args: argparse.Namespace, work_dir: Path
) -> dict[str, Any]:
    if operation.max_connections is not None and operation.max_connections < args.connections:
        args = argparse.Namespace(**vars(args))
        args.connections = operation.max_connections
        args.threads = min(args.threads, args.connections)
    if operation.prepare is not None:
        say("  preparing data…")
        prepared = operation.prepare(api)
        if prepared:  # a prepare step may supply the variables (ids it looked up or made)
            operation = dataclasses.replace(operation, variable_sets=tuple(prepared))
    token = api.login(operation.user) if operation.user else None  # fresh 15-minute token
    if operation.http_get is not None:
        return measure_get(operation, server, api, args)

    sql_statements = []
    for body in operation.bodies():
        sample = api.post(body, token)
        if sample.get("errors"):
            raise RuntimeError(f"{operation.name} answered with errors: {sample['errors']}")
        problem = operation.check(sample) if operation.check else None
        if problem:
            raise RuntimeError(f"{operation.name}: {problem}")
        count = (sample.get("extensions") or {}).get("sqlStatements")
        if count is None:
            raise RuntimeError("the response has no extensions.sqlStatements")
        sql_statements.append(int(count))

    pg_statements = count_pg_statements(operation, server, api, token)

    bodies_file = work_dir / f"{operation.name}.bodies.jsonl"
    bodies_file.write_text(
        "".join(json.dumps(body, separators=(",", ":")) + "\n" for body in operation.bodies())
    )
    load = functools.partial(
        run_wrk, url=server.url, bodies_file=bodies_file, token=token, args=args
    )
    if args.warmup:
        load(seconds=args.warmup, label="warm-up")
    cpu = CpuMeter(server.process.pid)
    summary, raw = load(seconds=args.duration, label="measuring")
    cpu_usage = cpu.stop()

    seconds = summary["duration_us"] / 1_000_000
    latency = summary["latency_us"]
    socket_errors = summary["errors"]
    return {
        "operation": operation.name,
        "description": operation.description,
        "notes": operation.notes,
        "user": operation.user,
        "document": operation.document.strip(),
        "variable_sets": [dict(v) for v in operation.variable_sets],
        "sql_statements": max(sql_statements),
        "sql_statements_per_variable_set": sql_statements,
        "pg_statements_per_request": pg_statements,
        "load": {
            "tool": "wrk",
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
            "timeout_s": args.timeout,
        },
        "requests": summary["requests"],
        "requests_per_s": round(summary["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": latency_ms(latency) if summary["requests"] else None,
        "errors": {
            "non_2xx": summary["non_2xx"],
            "graphql_errors": summary["graphql_errors"],
            "socket": {k: socket_errors[k] for k in ("connect", "read", "write", "timeout")},
        },
        "cpu": cpu_usage,
        "wrk_output": raw,
    }


def measure_get(
    operation: Operation, server: Server, api: Api, args: argparse.Namespace
) -> dict[str, Any]:
    """An HTTP operation: plain GETs of one path (no GraphQL, so no `sqlStatements`; the
    PostgreSQL statement log still counts what each request costs)."""
    assert operation.http_get is not None
    path = operation.http_get(api)

    def send() -> None:
        with urllib.request.urlopen(f"{server.url}{path}", timeout=60) as response:  # noqa: S310
            response.read()

    with urllib.request.urlopen(f"{server.url}{path}", timeout=60) as response:  # noqa: S310
        if response.status != 200:
            raise RuntimeError(f"{operation.name} answered HTTP {response.status}")
        sample_bytes = len(response.read())
    pg_statements = StatementLog(server.data_dir).sample(send, 20)
    load = functools.partial(
        run_wrk, url=server.url, bodies_file=None, token=None, args=args, get_path=path
    )
    if args.warmup:
        load(seconds=args.warmup, label="warm-up")
    cpu = CpuMeter(server.process.pid)
    summary, raw = load(seconds=args.duration, label="measuring")
    cpu_usage = cpu.stop()
    seconds = summary["duration_us"] / 1_000_000
    socket_errors = summary["errors"]
    return {
        "operation": operation.name,
        "description": operation.description,
        "notes": operation.notes + f"; {sample_bytes} bytes per answer",
        "user": operation.user,
        "document": "GET /calendar/<token>.ics",  # the token is a credential: not recorded
        "variable_sets": [],
        "sql_statements": "—",
        "sql_statements_per_variable_set": [],
        "pg_statements_per_request": pg_statements,
        "load": {
            "tool": "wrk",
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
            "timeout_s": args.timeout,
        },
        "requests": summary["requests"],
        "requests_per_s": round(summary["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": latency_ms(summary["latency_us"]) if summary["requests"] else None,
        "errors": {
            "non_2xx": summary["non_2xx"],
            "graphql_errors": summary["graphql_errors"],
            "socket": {k: socket_errors[k] for k in ("connect", "read", "write", "timeout")},
        },
        "cpu": cpu_usage,
        "wrk_output": raw.replace(path, "/calendar/[redacted].ics"),
    }


# --- reporting ----------------------------------------------------------------------------


def error_cell(result: dict[str, Any]) -> str:
    errors = result["errors"]
    socket_total = sum(errors["socket"].values())
    cell = f"{errors['non_2xx']} / {errors['graphql_errors']}"
    return cell + (f" (+{socket_total} socket)" if socket_total else "")


def pg_cell(result: dict[str, Any]) -> str:
    counts = result["pg_statements_per_request"]
    if not counts:
        return "n/a"
    return f"{counts['total']:g} ({counts['begin'] + counts['rollback']:g})"


TABLE_HEADER = (
    "| operation | requests/s | p50 ms | p90 ms | p99 ms | SQL statements "
    "| PostgreSQL statements (BEGIN+ROLLBACK) | errors (non-2xx / GraphQL) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---|\n"
)


def percentile(result: dict[str, Any], name: str) -> str:
    latency = result["latency_ms"]
    return f"{latency[name]:.2f}" if latency else "—"


def table(results: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"| `{r['operation']}` | {r['requests_per_s']:.1f} | {percentile(r, 'p50')} "
        f"| {percentile(r, 'p90')} | {percentile(r, 'p99')} "
        f"| {r['sql_statements']} | {pg_cell(r)} | {error_cell(r)} |\n"
        for r in results
    )
    return TABLE_HEADER + rows


def cpu_note(result: dict[str, Any]) -> str:
    cpu = result["cpu"]
    if not cpu:
        return ""
    return (
        f" (server process {cpu['server_process_percent_of_one_core']:g}% of one core, "
        f"machine {cpu['machine_busy_percent']:g}% busy)"
    )


def summary_markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    box, code, load = meta["machine"], meta["git"], results[0]["load"]
    commit = f"`{code['commit']}`" + (" (with uncommitted changes)" if code["dirty"] else "")
    notes = "".join(
        f"- `{r['operation']}`: {r['description']}"
        + (f"; {r['notes']}" if r["notes"] else "")
        + (
            f"; {r['load']['connections']} connection(s)"
            if r["load"]["connections"] != load["connections"]
            else ""
        )
        + cpu_note(r)
        + "\n"
        for r in results
    )
    return (
        f"# Latest benchmark run\n\n"
        f"- Date: {meta['started_at']}\n"
        f"- Commit: {commit}\n"
        f"- Machine: {box['cpus']} CPU cores ({box['cpu_model']}), {box['memory_mib']} MiB RAM, "
        f"{box['os']}, Python {box['python']}; the load tool and the server share the cores; "
        f"1-minute load average at start {box['load_average_at_start']}\n"
        f"- Load: {box['wrk']}; {load['connections']} connections, {load['threads']} threads, "
        f"{load['duration_s']} s per operation after {load['warmup_s']} s of warm-up\n"
        f"- Server: `clutch serve --demo`, one uvicorn process, embedded PostgreSQL, "
        f"rate limit lifted\n\n"
        f"{table(results)}\n"
        f"{notes}"
    )


def use_project_python() -> None:
    """Re-run the script that was started (this harness, or a bench script that imports
    it) under the project's virtual environment when it exists (for asyncpg, httpx)."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != venv_python.parent.parent.resolve():
        script = str(Path(sys.argv[0]).resolve())
        os.execv(venv_python, [str(venv_python), script, *sys.argv[1:]])  # noqa: S606


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        use_project_python()
    args = parse_args(argv)
    require_wrk()
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    work_dir = TMP / f"run-{stamp}"
    work_dir.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_commit(),
    }
    load = meta["machine"]["load_average_at_start"]
    if load > 0.5 * (os.cpu_count() or 1):
        say(
            f"Warning: the machine is busy (1-minute load average {load}); "
            "other work will lower the figures."
        )

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    results: list[dict[str, Any]] = []
    keep = args.keep_data
    try:
        with running_server(work_dir) as server:
            api = Api(server.url, server.data_dir)
            for index, operation in enumerate(args.selected, 1):
                say(f"[{index}/{len(args.selected)}] {operation.name}: {operation.description}")
                result = measure(operation, server, api, args, work_dir)
                result.update(meta)
                path = RESULTS / f"{stamp}-{operation.name}.json"
                path.write_text(json.dumps(result, indent=2) + "\n")
                results.append(result)
                say(
                    f"  {result['requests_per_s']:.1f} req/s, p50 {percentile(result, 'p50')} ms, "
                    f"p90 {percentile(result, 'p90')} ms, p99 {percentile(result, 'p99')} ms, "
                    f"{result['sql_statements']} SQL statements, errors {error_cell(result)}"
                    f" → {path.relative_to(ROOT)}"
                )
                if not result["requests"]:
                    say("  no request completed in time; try a longer --duration")
    except KeyboardInterrupt:
        say("Interrupted; the server has been stopped.")
        return 130
    except RuntimeError as exc:
        keep = True
        log = work_dir / "server.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
        say(
            f"\nBenchmark failed: {exc}\n\nEnd of the server log ({log.relative_to(ROOT)}):\n{tail}"
        )
        return 1
    finally:
        if not keep:
            shutil.rmtree(work_dir, ignore_errors=True)

    (RESULTS / "latest.md").write_text(summary_markdown(results, meta))
    say("\n" + table(results))
    say(f"Summary written to {(RESULTS / 'latest.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
