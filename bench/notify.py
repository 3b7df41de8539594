#!/usr/bin/env python3
"""What notifying costs a comment: `postComment` at concurrency 32 on PostgreSQL.

Two members; one group. Member B posts comments with wrk (32 connections, S seconds) into a
thread member A started (each comment notifies A: the notification folds, so the path is
read + update) and into a thread B started (nobody to notify). Reports requests per second and
p50/p99 for each, for this build and, with `--before`, an older one in the same run.

    bench/notify.py [--binary PATH] [--before PATH] [--seconds S]

Needs a release build and PostgreSQL at PG_ADMIN_URL with psql.
"""

import argparse
import json
import shutil
import tempfile
import urllib.request
from pathlib import Path

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


def measure(binary, label, seconds):
    workdir = Path(tempfile.mkdtemp(prefix="fagruppe-bench-notify-"))
    database = bench.Database("postgres", workdir)
    rows = []
    try:
        server = bench.Server(database, workdir, binary=binary)
        try:
            author = member(server.url, database, "author")
            poster = member(server.url, database, "poster")
            group = graphql(
                server.url,
                "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }",
                {"input": {"name": "Benk", "visibility": "PUBLIC", "joinPolicy": "OPEN",
                           "topics": ["ethics"]}},
                author,
            )["createGroup"]["id"]
            graphql(server.url, "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
                    {"id": group}, poster)
            others = thread(server.url, author, group, "Forfatterens tråd")
            own = thread(server.url, poster, group, "Egen tråd")
            for what, thread_id in [("notifies the author", others), ("nobody to notify", own)]:
                rps, p50, p99 = post_comments(server.url, poster, thread_id, seconds, workdir)
                bench.log(f"{label}, {what}: {rps:.0f} comments/s, p50 {p50:.2f} ms")
                rows.append((label, what, rps, p50, p99))
        finally:
            server.stop()
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", type=Path, help="the build to measure (default: target/release)")
    parser.add_argument("--before", type=Path, help="an older build to measure in the same run")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    bench.ensure_tools(["postgres"])
    rows = []
    if args.before:
        rows += measure(args.before.resolve(), "before", args.seconds)
    rows += measure((args.binary or bench.BINARY).resolve(), "now", args.seconds)
    print("| build | comment | comments/s | p50 | p99 |")
    print("| --- | --- | ---: | ---: | ---: |")
    for label, what, rps, p50, p99 in rows:
        print(f"| {label} | {what} | {rps:.0f} | {p50:.2f} ms | {p99:.2f} ms |")


if __name__ == "__main__":
    main()
