#!/usr/bin/env python3
"""What organisers' insights cost: `group.insights` over one year, in months, every figure set
selected, for the busiest group of the standard data set (scale 1: 10,000 members, 2,000
meetups, 100,000 RSVPs, 200,000 comments), on SQLite and PostgreSQL: p50 and p99 of sequential
requests by one of its owners, and the SQL statements one request runs.

    bench/insights.py [--db sqlite|postgres|both] [--requests N]

Needs a release build; PostgreSQL at PG_ADMIN_URL with psql for the PostgreSQL run.
"""

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import run as bench

QUERY = """query($slug: String!, $from: DateTime!, $to: DateTime!) {
  group(slug: $slug) { insights(from: $from, to: $to, interval: MONTH) {
    membership { members { value } joins { value } leaves { value } requests { value }
                 medianHoursToDecision }
    activity { activeMembers { value } shareOfMembers { value } checkedIn { value } }
    meetups { title going { value } checkedIn { value } showUpRate { value }
              firstTimers { value } returnRate { value } }
    meetupAggregates { byKind { key going { value } returnRate { value } }
                       byFormat { key going { value } } byWeekday { key going { value } }
                       byTopic { key going { value } } }
    threads { comments participants { value } replyDepth hoursToFirstReply quotes meetups }
    discussionsByTopic { key threads comments }
    discussionsByOutcome { key threads comments }
    resourcesByKind { key shared downloads }
    resourcesByTopic { key shared downloads }
    effect { activity participants { value } participantsRate { value }
             others { value } othersRate { value } }
  } } }"""


def post(url, body, token):
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def owner_token(server, database, slug):
    email = database.query(
        "SELECT m.email FROM member m JOIN membership ms ON ms.member_id = m.id "
        "JOIN interest_group g ON g.id = ms.group_id "
        f"WHERE g.slug = '{slug}' AND ms.role = 'OWNER' ORDER BY m.email LIMIT 1")
    login = bench.post(server.url, {
        "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
                 "{ accessToken } }",
        "variables": {"e": email, "p": "fagruppe-demo"}})
    return json.loads(login)["data"]["login"]["accessToken"]


def measure(kind, requests):
    workdir = Path(tempfile.mkdtemp(prefix=f"fagruppe-bench-insights-{kind}-"))
    database = bench.Database(kind, workdir)
    try:
        bench.log(f"{kind}: seeding standard --scale 1")
        bench.run([str(bench.BINARY), "seed", "standard", "--scale", "1"],
                  env=bench.server_env(database, workdir, 0, "warn"))
        slug = database.query(
            "SELECT g.slug FROM interest_group g ORDER BY "
            "(SELECT COUNT(*) FROM meetup m WHERE m.group_id = g.id) DESC, g.member_count DESC LIMIT 1")
        now = datetime.now(timezone.utc)
        variables = {"slug": slug, "from": (now - timedelta(days=365)).isoformat(),
                     "to": now.isoformat()}
        body = {"query": QUERY, "variables": variables}
        server = bench.Server(database, workdir, "warn,fagruppe::sql=trace",
                              extra_env={"WORKERS_JOBS": "0"})
        try:
            token = owner_token(server, database, slug)
            answer = post(server.url, body, token)
            if answer.get("errors"):
                raise SystemExit(f"bench: {json.dumps(answer['errors'])[:500]}")
            insights = answer["data"]["group"]["insights"]
            server.log.flush()
            before = bench.trace_lines(server)
            post(server.url, body, token)
            statements = bench.trace_lines(server) - before
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                post(server.url, body, token)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            server.stop()
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        return (slug, len(insights["meetups"]), len(insights["threads"]), statements,
                statistics.median(times), p99)
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    bench.ensure_tools(kinds)
    print("| database | group | meetups | threads | statements | p50 | p99 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        slug, meetups, threads, statements, p50, p99 = measure(kind, args.requests)
        print(f"| {kind} | {slug} | {meetups} | {threads} | {statements} | {p50:.1f} ms | "
              f"{p99:.1f} ms |", flush=True)


if __name__ == "__main__":
    main()
