#!/usr/bin/env python3
"""The mail path's cost, on the release server over PostgreSQL: how long from a committed change
to its mail accepted by an SMTP server, and whether the writes that now enqueue mail (`register`,
`rsvp`) got slower at concurrency 32.

It starts a small SMTP sink of its own (in this script, on a free local port) that notes when each
mail's DATA is accepted, then for each binary given (the current build, and with --before an
older one, so the comparison is made in one session):

- latency: N registrations one after another; for each, the time from `register`'s answer
  (the transaction has committed) to the verification mail accepted by the sink;
- `register` p50/p99 at concurrency 32 for S seconds (new addresses, default argon2 cost);
- `rsvp` p50/p99 at concurrency 32 for S seconds: 32 verified members each answering GOING and
  NOT_GOING in turn to one published meetup (each answer writes, and GOING enqueues a mail).

    bench/mail.py [--binary PATH] [--before PATH] [--count N] [--seconds S]

Needs a release build (`cargo build --release`) and PostgreSQL at PG_ADMIN_URL (default
postgres://postgres@127.0.0.1:5432/postgres) with psql.
"""

import argparse
import asyncio
import http.client
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import run as bench

CONCURRENCY = 32
PASSWORD = "benchmark password 0123"


class SmtpSink:
    """Accepts every mail and notes, per recipient, when its DATA was accepted."""

    def __init__(self):
        self.port = bench.free_port()
        self.accepted = {}
        self.ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self.ready.wait(10)

    def _serve(self):
        asyncio.run(self._main())

    async def _main(self):
        server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        self.ready.set()
        async with server:
            await server.serve_forever()

    async def _session(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        recipients = []
        while line := await reader.readline():
            command = line.decode(errors="replace").strip()
            upper = command.upper()
            if upper.startswith("EHLO"):
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif upper.startswith("RCPT TO"):
                recipients.append(command.split(":", 1)[1].strip().strip("<>").lower())
                writer.write(b"250 OK\r\n")
            elif upper == "DATA":
                writer.write(b"354 go on\r\n")
                while (await reader.readline()).rstrip(b"\r\n") != b".":
                    pass
                now = time.monotonic()
                for recipient in recipients:
                    self.accepted.setdefault(recipient, now)
                recipients = []
                writer.write(b"250 OK\r\n")
            elif upper == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()


def graphql(connection, query, variables=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps({"query": query, "variables": variables or {}})
    try:
        connection.request("POST", "/graphql", payload, headers)
        response = connection.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        # The server closed an idle keep-alive connection: open another.
        connection.close()
        connection.request("POST", "/graphql", payload, headers)
        response = connection.getresponse()
    body = json.loads(response.read())
    if body.get("errors"):
        raise RuntimeError(json.dumps(body["errors"]))
    return body["data"]


REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { __typename } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }"
RSVP = "mutation($id: ID!, $r: RsvpResponse!) { rsvp(input: {meetupId: $id, response: $r}) { status } }"


def register(connection, address):
    graphql(
        connection,
        REGISTER,
        {"input": {"email": address, "password": PASSWORD, "displayName": "Benk"}},
    )


def login(connection, address):
    data = graphql(connection, LOGIN, {"input": {"email": address, "password": PASSWORD}})
    return data["login"]["accessToken"]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def under_load(port, seconds, request):
    """Runs `request(connection, thread, n)` from 32 threads for `seconds`; latencies in ms."""
    latencies = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(thread):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        mine = []
        while time.monotonic() < deadline:
            start = time.monotonic()
            request(connection, thread, n)
            mine.append((time.monotonic() - start) * 1000)
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(t,)) for t in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def measure(binary, label, sink, count, seconds, workdir):
    database = bench.Database("postgres", workdir)
    server = bench.Server(
        database,
        workdir,
        binary=binary,
        extra_env={
            "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
            "PUBLIC_URL": "https://fagruppe.example",
            "WORKERS_JOBS": "2",
        },
    )
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        delays = []
        for n in range(count):
            address = f"latency-{label}-{n}@bench.example"
            register(connection, address)
            answered = time.monotonic()
            while address not in sink.accepted:
                time.sleep(0.0005)
            delays.append((sink.accepted[address] - answered) * 1000)
        bench.log(f"{label}: {count} mails, commit to SMTP p50 {statistics.median(delays):.1f} ms")

        registering = under_load(
            server.port,
            seconds,
            lambda c, t, n: register(c, f"load-{label}-{t}-{n}@bench.example"),
        )

        owner = f"owner-{label}@bench.example"
        register(connection, owner)
        members = [f"member-{label}-{t}@bench.example" for t in range(CONCURRENCY)]
        for address in members:
            register(connection, address)
        database.query("UPDATE member SET email_verified_at = now()")
        token = login(connection, owner)
        group = graphql(
            connection,
            "mutation { createGroup(input: {name: \"Benk\", visibility: PUBLIC, joinPolicy: OPEN}) { id } }",
            token=token,
        )["createGroup"]["id"]
        meetup = graphql(
            connection,
            """mutation($g: ID!, $s: DateTime!, $e: DateTime!) { createMeetup(input: {groupId: $g,
               title: "Benk", format: ONLINE, onlineUrl: "https://meet.example/b", startsAt: $s,
               endsAt: $e, publish: true}) { id } }""",
            {
                "g": group,
                "s": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5 * 86400)),
                "e": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5 * 86400 + 7200)),
            },
            token=token,
        )["createMeetup"]["id"]
        tokens = [login(connection, address) for address in members]
        answering = under_load(
            server.port,
            seconds,
            lambda c, t, n: graphql(
                c,
                RSVP,
                {"id": meetup, "r": "GOING" if n % 2 == 0 else "NOT_GOING"},
                token=tokens[t],
            ),
        )
        return {
            "label": label,
            "delay": delays,
            "register": registering,
            "rsvp": answering,
        }
    finally:
        server.stop()
        database.drop()


def row(result, key):
    values = result[key]
    return (
        f"| {result['label']} | {key} | {len(values)} | {statistics.median(values):.1f} ms "
        f"| {percentile(values, 0.99):.1f} ms |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older build to measure in the same run")
    parser.add_argument("--binary", type=Path, help="the build to measure (default: target/release)")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    bench.ensure_tools(["postgres"])
    sink = SmtpSink()
    builds = [((args.binary or bench.BINARY).resolve(), "now")]
    if args.before:
        builds.insert(0, (args.before.resolve(), "before"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for binary, label in builds:
            workdir = Path(tmp) / label
            workdir.mkdir()
            results.append(measure(binary, label, sink, args.count, args.seconds, workdir))
    lines = ["| build | what | samples | p50 | p99 |", "| --- | --- | ---: | ---: | ---: |"]
    for result in results:
        lines += [row(result, "delay"), row(result, "register"), row(result, "rsvp")]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
