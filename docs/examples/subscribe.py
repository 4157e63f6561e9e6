"""Log in as a demo user and print live events as they arrive.

    .venv/bin/python docs/examples/subscribe.py student@demo.test [--after EVENT_ID]
    .venv/bin/python docs/examples/subscribe.py instructor@demo.test --feed diary
    .venv/bin/python docs/examples/subscribe.py student@demo.test --feed bookings

Feeds: `assignments` (myAssignmentsChanged, the default), `diary` (instructorDiary of the
logged-in instructor) and `bookings` (myBookings).

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
ME = "{ me { id } }"
FEEDS = {
    "assignments": """subscription($after: String) {
  myAssignmentsChanged(after: $after) {
    eventId change assignment { assignmentType status instructor { fullName } student { fullName } }
  }
}""",
    "diary": """subscription($instructorId: ID!, $after: String) {
  instructorDiary(instructorId: $instructorId, after: $after) {
    eventId change booking { localStart status student { fullName } lessonType { name } }
    historyEntry { actor { fullName } fromStartsAt reason }
  }
}""",
    "bookings": """subscription($after: String) {
  myBookings(after: $after) { eventId change booking { localStart status instructor { fullName } } }
}""",
}


async def main(email: str, password: str, url: str, after: str | None, feed: str) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            url, json={"query": LOGIN, "variables": {"email": email, "password": password}}
        )
    login = answer.json()["data"]["login"]
    if login["errors"]:
        raise SystemExit(login["errors"][0]["message"])
    token = login["tokens"]["accessToken"]
    variables: dict[str, str | None] = {"after": after}
    if feed == "diary":
        async with httpx.AsyncClient() as http:
            me = await http.post(
                url, json={"query": ME}, headers={"authorization": f"Bearer {token}"}
            )
        variables["instructorId"] = me.json()["data"]["me"]["id"]
    ws_url = url.replace("http", "ws", 1)
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        print("<-", await socket.recv())
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": FEEDS[feed], "variables": variables},
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
    parser.add_argument("--feed", choices=sorted(FEEDS), default="assignments")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.email, args.password, args.url, args.after, args.feed))
