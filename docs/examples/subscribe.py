"""Log in as a demo user and print `myAssignmentsChanged` events as they arrive.

    .venv/bin/python docs/examples/subscribe.py student@demo.test [--after EVENT_ID]

Needs the test extras (httpx, websockets). Speaks graphql-transport-ws by hand so
every message of the protocol is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

import httpx
import websockets

LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { tokens { accessToken } errors { message } }
}"""
SUBSCRIPTION = """subscription($after: String) {
  myAssignmentsChanged(after: $after) {
    eventId change assignment { assignmentType status instructor { fullName } student { fullName } }
  }
}"""


async def main(email: str, password: str, url: str, after: str | None) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            url, json={"query": LOGIN, "variables": {"email": email, "password": password}}
        )
    login = answer.json()["data"]["login"]
    if login["errors"]:
        raise SystemExit(login["errors"][0]["message"])
    token = login["tokens"]["accessToken"]
    ws_url = url.replace("http", "ws", 1)
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        print("<-", await socket.recv())
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIPTION, "variables": {"after": after}},
                }
            )
        )
        print(f"Subscribed as {email}; waiting for events (Ctrl-C to stop)…")
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
                continue
            print("<-", json.dumps(message, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("--password", default="clutch-demo")
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--after", default=None, help="last eventId you saw")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.email, args.password, args.url, args.after))
