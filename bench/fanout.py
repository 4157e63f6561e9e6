"""Reply fan-out: how long until 1,000 WebSocket subscribers all have a new reply.

    python bench/fanout.py [--subscribers 1000] [--rounds 5] [--clients 4]

Starts `clutch serve --demo` on a free port of 127.0.0.1 (as bench/run.py does), opens
``--subscribers`` graphql-transport-ws connections spread over ``--clients`` client
processes (asyncio, the `websockets` library), each subscribed to
`replyAdded(postId:)` of one demo post as one of the demo students, then posts
``--rounds`` replies one after another. For every round it records, per subscriber, the
time from the mutation's response (the commit is done by then) to that subscriber's
delivery; it reports p50, p99 and max of the last deliveries, and of all deliveries, in
bench/results/<UTC timestamp>-fanout.json, and stops the server. The client processes
share the machine's cores with the server, as in any local measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from run import RESULTS, ROOT, TMP, Api, Server, git_commit, machine, running_server, say

STUDENTS = (
    "student@demo.test",
    "amira.khan@demo.test",
    "ben.jones@demo.test",
    "chloe.smith@demo.test",
    "dev.patel@demo.test",
    "ella.brown@demo.test",
    "finn.oconnor@demo.test",
    "grace.wilson@demo.test",
)
SUBSCRIBE = """
subscription Fanout($postId: ID!) {
  replyAdded(postId: $postId) { eventId change reply { id body bodyHtml author { displayName } } }
}
"""
FIND_POST = """
query FindPost {
  forums(first: 5, platformWide: true) { edges { node { id posts(first: 1) { edges { node { id } } } } } }
}
"""
REPLY = """
mutation FanoutReply($input: CreateReplyInput!) { createReply(input: $input) { reply { id } errors { code } } }
"""
CONNECT_TIMEOUT = 60.0
CONNECT_WAVE = 20  # connections per client process per wave
CONNECT_WAVE_SECONDS = 0.5
DELIVERY_TIMEOUT = 60.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subscribers", type=int, default=1000, help="WebSocket subscribers (1–2000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="replies posted one after another (1–50)"
    )
    parser.add_argument("--clients", type=int, default=4, help="client processes (1–16)")
    args = parser.parse_args(argv)
    if not (1 <= args.subscribers <= 2000 and 1 <= args.rounds <= 50 and 1 <= args.clients <= 16):
        parser.error("out of range")
    return args


async def _client(
    ws_url: str,
    tokens: list[str],
    post_id: str,
    ready: Any,
    results: Any,
    rounds: int,
) -> None:
    import websockets

    async def one(index: int, token: str) -> list[tuple[str, float]]:
        async with websockets.connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],
            open_timeout=CONNECT_TIMEOUT,  # type: ignore[list-item]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIBE, "variables": {"postId": post_id}},
                    }
                )
            )
            arrivals: list[tuple[str, float]] = []
            # Warm-up replies prove the subscription is live; the last round ends the run.
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), DELIVERY_TIMEOUT))
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                if message["type"] != "next":
                    raise RuntimeError(f"unexpected message {message}")
                if message["payload"].get("errors"):
                    raise RuntimeError(f"subscription error: {message['payload']['errors']}")
                reply = message["payload"]["data"]["replyAdded"]["reply"]
                arrivals.append((reply["id"], time.time()))
                ready.put((f"{os.getpid()}:{index}", reply["id"]))
                if reply["body"] == f"Fan-out round {rounds}":
                    break
            return arrivals

    async def staggered(index: int, token: str) -> list[tuple[str, float]]:
        # Connect in waves, as real clients arrive, not as one burst of thousands.
        await asyncio.sleep(index // CONNECT_WAVE * CONNECT_WAVE_SECONDS)
        return await one(index, token)

    gathered = await asyncio.gather(*(staggered(i, token) for i, token in enumerate(tokens)))
    results.put([arrival for arrivals in gathered for arrival in arrivals])


def _client_process(*args: Any) -> None:
    asyncio.run(_client(*args))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_percentile(values, 0.5) * 1000, 1),
        "p99_ms": round(_percentile(values, 0.99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def use_project_python() -> None:
    """Re-run this script under the project's virtual environment (for `websockets`)."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != venv_python.parent.parent.resolve():
        os.execv(venv_python, [str(venv_python), __file__, *sys.argv[1:]])  # noqa: S606


def measure(server: Server, args: argparse.Namespace) -> list[list[float]]:
    """Per round, each subscriber's seconds from the reply's response to its delivery."""
    api = Api(server.url)
    forums = api.execute(FIND_POST, as_user="student@demo.test")["data"]["forums"]["edges"]
    post_id = forums[0]["node"]["posts"]["edges"][0]["node"]["id"]
    tokens = [api.token(STUDENTS[n % len(STUDENTS)]) for n in range(args.subscribers)]
    ws_url = server.url.replace("http", "ws") + "/graphql"
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    processes = [
        context.Process(
            target=_client_process,
            args=(ws_url, tokens[n :: args.clients], post_id, ready, results, args.rounds),
        )
        for n in range(args.clients)
    ]
    for process in processes:
        process.start()
    say(f"Opening {args.subscribers} subscriptions in {args.clients} processes…")

    def reply(text: str) -> tuple[str, float]:
        body = api.execute(
            REPLY, {"input": {"postId": post_id, "body": text}}, as_user="instructor@demo.test"
        )
        return body["data"]["createReply"]["reply"]["id"], time.time()

    delivered: dict[str, set[str]] = {}

    def wait_for(reply_id: str, seconds: float) -> None:
        """Collect delivery notices until every subscriber has ``reply_id`` (or time is up)."""
        deadline = time.monotonic() + seconds
        while len(delivered.get(reply_id, ())) < args.subscribers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                subscriber, got = ready.get(timeout=remaining)
            except queue.Empty:
                return
            delivered.setdefault(got, set()).add(subscriber)
            delivered.setdefault("*", set()).add(subscriber)

    # Warm-up replies until every subscriber has received one (then all are listening),
    # and until the last warm-up reached everyone (nothing is still in flight).
    responses = []
    deadline = time.monotonic() + 300
    while True:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(delivered.get('*', ()))} subscribers became live")
        responses.append(reply("Warm-up"))
        wait_for(responses[-1][0], 5.0)
        if len(delivered.get(responses[-1][0], ())) == args.subscribers:
            break
    say(f"All {args.subscribers} subscribers live; posting {args.rounds} replies…")
    warm_ups = len(responses)
    for number in range(args.rounds):
        time.sleep(0.5)
        responses.append(reply(f"Fan-out round {number + 1}"))
        wait_for(responses[-1][0], DELIVERY_TIMEOUT)
    arrivals: list[tuple[str, float]] = []
    for _ in processes:
        arrivals.extend(results.get(timeout=DELIVERY_TIMEOUT * 2))
    for process in processes:
        process.join(timeout=30)
    answered = dict(responses)
    by_reply: dict[str, list[float]] = {}
    for reply_id, arrived in arrivals:
        by_reply.setdefault(reply_id, []).append(arrived - answered[reply_id])
    rounds = [by_reply.get(reply_id, []) for reply_id, _ in responses[warm_ups:]]
    if any(len(r) != args.subscribers for r in rounds):
        raise SystemExit("some subscribers missed a reply")
    return rounds


def main(argv: list[str] | None = None) -> int:
    use_project_python()
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.subscribers + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the server inherits it
    started = datetime.now(UTC)
    work_dir = Path(TMP) / f"fanout-{started:%Y%m%dT%H%M%SZ}"
    work_dir.mkdir(parents=True)
    with running_server(work_dir) as server:
        rounds = measure(server, args)
    result = {
        "started": started.isoformat(),
        "subscribers": args.subscribers,
        "client_processes": args.clients,
        "rounds": args.rounds,
        "measure": "seconds from the createReply response (after commit) to each delivery",
        "last_delivery": _summary([max(r) for r in rounds]),
        "every_delivery": _summary([value for r in rounds for value in r]),
        "per_round_last_delivery_ms": [round(max(r) * 1000, 1) for r in rounds],
        "machine": machine(),
        "commit": git_commit(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started:%Y%m%dT%H%M%SZ}-fanout.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    keys = ("last_delivery", "every_delivery", "per_round_last_delivery_ms")
    say(json.dumps({key: result[key] for key in keys}, indent=2))
    say(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
