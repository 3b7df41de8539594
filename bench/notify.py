#!/usr/bin/env python3
"""What notifying costs a comment: `postComment` at concurrency 32 on PostgreSQL.

Two members; one group. Member B posts comments with wrk (32 connections, S seconds) into a
thread member A started (each comment notifies A: the notification folds), into a thread B
started (nobody to notify), and into that thread again once 2,000 members watch it (each
comment queues a fan-out job that folds 2,000 notifications; the workers run meanwhile, and the
time they take to catch up is reported). Then the time from a comment's commit to the
`notificationAdded` message on the author's WebSocket: for a reply (written in the comment's
transaction) and for news to a watcher (written by the fan-out job), 200 comments one by one.

    bench/notify.py [--binary PATH] [--before PATH] [--seconds S]

Needs a release build and PostgreSQL at PG_ADMIN_URL with psql.
"""

import base64
import json
import os
import socket
import statistics
import time
import urllib.request

import run as bench

PASSWORD = "benchmark password 0123"


def graphql(url, query, variables, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise SystemExit(f"bench: {json.dumps(answer['errors'])[:400]}")
    return answer["data"]


def member(url, database, name):
    email = f"{name}@bench.example"
    graphql(url, "mutation($input: RegisterInput!) { register(input: $input) { email } }",
            {"input": {"email": email, "password": PASSWORD, "displayName": name}})
    database.query(f"UPDATE member SET email_verified_at = now() WHERE email = '{email}'")
    login = graphql(url, "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
                    {"input": {"email": email, "password": PASSWORD}})
    return login["login"]["accessToken"]


def group(url, token):
    """A public group that anyone may join, with `token`'s member as its owner."""
    created = graphql(
        url,
        "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }",
        {"input": {"name": "Benk", "visibility": "PUBLIC", "joinPolicy": "OPEN",
                   "topics": ["ethics"]}},
        token,
    )
    return created["createGroup"]["id"]


def thread(url, token, group_id, title):
    started = graphql(
        url,
        "mutation($input: StartThreadInput!) { startThread(input: $input) { id } }",
        {"input": {"groupId": group_id, "title": title, "body": "Hva mener dere?",
                   "topics": ["ethics"]}},
        token,
    )
    return started["startThread"]["id"]


def post_comments(url, token, thread_id, seconds, workdir):
    body = {
        "query": "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }",
        "variables": {"input": {"threadId": thread_id, "body": "Et innspill til debatten."}},
    }
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    out = bench.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script),
                     url + "/graphql"]).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"bench: wrk saw errors:\n{out}")
    rps = float(out.split("Requests/sec:")[1].split()[0])
    return rps, bench.wrk_latency(out, "50%"), bench.wrk_latency(out, "99%")


def raw_uuid(global_id):
    """The row's UUID behind a global id (`base64url("Kind:uuid")`)."""
    padded = global_id + "=" * (-len(global_id) % 4)
    return base64.urlsafe_b64decode(padded).decode().split(":", 1)[1]


def add_watchers(database, thread_id, count):
    database.query(
        "INSERT INTO member (id, email, email_key, password_hash, display_name, is_site_admin,"
        " created_at, updated_at, email_verified_at, locale, handle, notification_email)"
        " SELECT gen_random_uuid(), 'w' || g || '@bench.example', 'w' || g || '@bench.example',"
        " 'x', 'Watcher ' || g, false, now(), now(), now(), 'NB', 'bench_watcher_' || g, 'NEVER'"
        f" FROM generate_series(1, {count}) g;"
        " INSERT INTO thread_watch (member_id, thread_id, level, updated_at)"
        f" SELECT id, '{raw_uuid(thread_id)}', 'WATCHING', now() FROM member"
        " WHERE handle LIKE 'bench\\_watcher\\_%'"
    )


def catch_up(database):
    """Seconds until no fan-out job is left queued or running."""
    started = time.monotonic()
    while int(database.query(
            "SELECT count(*) FROM job WHERE kind = 'notify-watchers'"
            " AND state IN ('QUEUED', 'RUNNING')")) > 0:
        time.sleep(0.05)
    return time.monotonic() - started


class Socket:
    """A minimal graphql-transport-ws client over a plain socket (the standard library has no
    WebSocket): text frames only, enough to subscribe and read messages."""

    def __init__(self, url, token):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (f"GET /graphql HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
             ).encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise SystemExit(f"bench: no WebSocket: {head[:200]!r}")
        self.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        if self.receive()["type"] != "connection_ack":
            raise SystemExit("bench: the WebSocket was not acknowledged")

    def send(self, message):
        data = json.dumps(message).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        else:
            header += bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _take(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("bench: the WebSocket closed")
            self.buffer += chunk
        taken, self.buffer = self.buffer[:n], self.buffer[n:]
        return taken

    def receive(self):
        while True:
            first, second = self._take(2)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(self._take(2), "big")
            elif length == 127:
                length = int.from_bytes(self._take(8), "big")
            payload = self._take(length)
            if first & 0x0F == 0x1:
                return json.loads(payload)


def live_latency(url, listener, poster, thread_id, samples):
    """p50 and p99 (ms) from a comment's answer (its transaction committed) to the listener's
    `notificationAdded` message."""
    ws = Socket(url, listener)
    ws.send({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { notificationAdded { unreadCount } }"}})
    ws.send({"id": "2", "type": "subscribe", "payload": {"query": "{ me { id } }"}})
    while ws.receive().get("id") != "2":
        pass
    delays = []
    for i in range(samples):
        graphql(url, "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }",
                {"input": {"threadId": thread_id, "body": f"Innspill {i}"}}, poster)
        committed = time.perf_counter()
        while True:
            message = ws.receive()
            if message.get("id") == "1" and message.get("type") == "next":
                break
        delays.append((time.perf_counter() - committed) * 1000)
    ws.sock.close()
    return statistics.median(delays), statistics.quantiles(delays, n=100)[98]


def measure(binary, label, seconds):
    rows = []
    with bench.fresh_postgres_server(binary, "fagruppe-bench-notify-") as (server, database, workdir):
        author = member(server.url, database, "author")
        poster = member(server.url, database, "poster")
        group_id = group(server.url, author)
        graphql(server.url, "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
                {"id": group_id}, poster)
        others = thread(server.url, author, group_id, "Forfatterens tråd")
        own = thread(server.url, poster, group_id, "Egen tråd")
        for what, thread_id in [("notifies the author", others), ("nobody to notify", own)]:
            rps, p50, p99 = post_comments(server.url, poster, thread_id, seconds, workdir)
            bench.log(f"{label}, {what}: {rps:.0f} comments/s, p50 {p50:.2f} ms")
            rows.append((label, what, rps, p50, p99, ""))
        if label == "now":
            add_watchers(database, own, 2000)
            rps, p50, p99 = post_comments(server.url, poster, own, seconds, workdir)
            behind = catch_up(database)
            jobs = int(database.query(
                "SELECT count(*) FROM job WHERE kind = 'notify-watchers'"))
            rows.append((label, "2,000 watch the thread", rps, p50, p99,
                         f"{jobs} fan-outs done {behind:.1f} s after the last comment"))
            bench.log(f"{label}, 2,000 watchers: {rps:.0f} comments/s; caught up in {behind:.1f} s")
            rows.append(("live", "reply: commit to notificationAdded", 0,
                         *live_latency(server.url, author, poster, others, 200), ""))
            graphql(server.url, "mutation($id: ID!, $l: WatchLevel!) { setWatchLevel(subjectId: $id, level: $l) }",
                    {"id": others, "l": "MUTED"}, author)
            graphql(server.url, "mutation($id: ID!, $l: WatchLevel!) { setWatchLevel(subjectId: $id, level: $l) }",
                    {"id": own, "l": "WATCHING"}, author)
            rows.append(("live", "news to a watcher: commit to notificationAdded", 0,
                         *live_latency(server.url, author, poster, own, 200), ""))
    return rows


def main():
    bench.compare_builds(__doc__.splitlines()[0], measure, ("comment", "comments/s", ""))


if __name__ == "__main__":
    main()
