#!/usr/bin/env python3
"""The two writes members make most, at concurrency 32 on PostgreSQL: `rsvp` and `postComment`.

32 members of one group, each signed in, one wrk connection each. `rsvp`: every member answers
one meetup (20 seats, so answers move the waitlist), GOING and NOT_GOING in turn. `postComment`:
every member comments in one thread. Both queue on one row's lock (the meetup's, the thread's),
the worst case for a write. For each: answers per second, p50/p99, and the job queue just after
(the mail and notification jobs the writes queued, done and still waiting): the job workers run
meanwhile and share the machine with the requests.

    bench/writes.py [--binary PATH] [--before PATH] [--seconds S]

Needs a release build and PostgreSQL at PG_ADMIN_URL with psql.
"""

import json
from datetime import datetime, timedelta, timezone

import notify
import run as bench

MEMBERS = 32


def lua_script(tokens, bodies):
    """Each request as the next member, with that member's next body."""
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"local tokens = {{{', '.join(json.dumps(token) for token in tokens)}}}\n"
        f"local bodies = {{{', '.join(json.dumps(json.dumps(body)) for body in bodies)}}}\n"
        "local sent = 0\n"
        "function request()\n"
        "  sent = sent + 1\n"
        "  local member = (sent % #tokens) + 1\n"
        "  local body = bodies[(math.floor(sent / #tokens) % #bodies) + 1]\n"
        '  wrk.headers["Authorization"] = "Bearer " .. tokens[member]\n'
        '  return wrk.format(nil, nil, nil, body)\n'
        "end\n"
    )


def load(url, tokens, bodies, seconds, workdir):
    script = workdir / "writes.lua"
    script.write_text(lua_script(tokens, bodies))
    out = bench.run(["wrk", "-t1", f"-c{MEMBERS}", f"-d{seconds}s", "--latency", "-s",
                     str(script), url + "/graphql"]).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"bench: wrk saw errors:\n{out}")
    rps = float(out.split("Requests/sec:")[1].split()[0])
    return rps, bench.wrk_latency(out, "50%"), bench.wrk_latency(out, "99%")


def jobs(database):
    done = database.query("SELECT count(*) FROM job WHERE state = 'DONE'")
    waiting = database.query("SELECT count(*) FROM job WHERE state IN ('QUEUED', 'RUNNING')")
    return f"{done} done, {waiting} waiting"


def measure(binary, label, seconds):
    rows = []
    with bench.fresh_postgres_server(binary, "fagruppe-bench-writes-") as (server, database, workdir):
        organiser = notify.member(server.url, database, "organiser")
        group = notify.group(server.url, organiser)
        starts = datetime.now(timezone.utc) + timedelta(days=7)
        meetup = notify.graphql(
            server.url,
            "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) { id } }",
            {"input": {"groupId": group, "title": "Frokostseminar", "format": "IN_PERSON",
                       "venue": {"name": "Kulturhuset", "address": "Youngstorget 3, Oslo"},
                       "startsAt": starts.isoformat(),
                       "endsAt": (starts + timedelta(hours=2)).isoformat(),
                       "capacity": 20, "publish": True}},
            organiser,
        )["createMeetup"]["id"]
        thread = notify.thread(server.url, organiser, group, "Hva skaper effekt?")
        tokens = []
        for index in range(MEMBERS):
            token = notify.member(server.url, database, f"member{index}")
            notify.graphql(server.url,
                           "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
                           {"id": group}, token)
            tokens.append(token)
        rsvp = "mutation($input: RsvpInput!) { rsvp(input: $input) { status } }"
        answers = [
            {"query": rsvp, "variables": {"input": {"meetupId": meetup, "response": response}}}
            for response in ["GOING", "NOT_GOING"]
        ]
        comment = [{
            "query": "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }",
            "variables": {"input": {"threadId": thread, "body": "Et innspill til debatten."}},
        }]
        for what, bodies in [("rsvp", answers), ("postComment", comment)]:
            rps, p50, p99 = load(server.url, tokens, bodies, seconds, workdir)
            queue = jobs(database)
            bench.log(f"{label}, {what}: {rps:.0f}/s, p50 {p50:.2f} ms; jobs {queue}")
            rows.append((label, what, rps, p50, p99, queue))
    return rows


def main():
    bench.compare_builds(__doc__.splitlines()[0], measure,
                         ("write", "per second", "jobs after it"))


if __name__ == "__main__":
    main()
