#!/usr/bin/env python3
"""What search costs: `search` over the standard data set (at scale 1: 200,000 comments, 5,000
threads, 10,000 resources, 10,000 members, 2,000 meetups, 50 groups, all in one index) on SQLite
and PostgreSQL, at concurrency 1 and 32, and the index's size on disk.

Two searches: a two-word one whose words stand in about a sixth of the comments ("ledelse
teknologi": the worst case, every match is ranked) and a rarer phrase-and-prefix one. Each
fetches the first page of 20 hits with snippets (not `totalCount`, which a search box rarely
shows and which costs a count of every match).

    bench/search.py [--db sqlite|postgres|both] [--seconds S] [--before PATH]

With `--before`, an older build is measured in the same run, before this one on each database,
so the two compare as ratios on this shared machine.

Needs a release build; PostgreSQL at PG_ADMIN_URL with psql for the PostgreSQL run.
"""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import run as bench

QUERY = ("query($q: String!) { search(query: $q, first: 20) { "
         "nodes { score snippet node { __typename } } } }")
COUNT = "query($q: String!) { search(query: $q, first: 1) { totalCount } }"
SEARCHES = [("ledelse teknologi", "two common words"),
            ("\"offentlig sektor\" gråomr", "a phrase and a prefix")]


def index_size(database):
    if database.kind == "postgres":
        return int(database.query("SELECT pg_total_relation_size('search_entry')"))
    return int(database.query(
        "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search%'"
        " OR name LIKE 'sqlite_autoindex_search%'"))


def measure(kind, seconds, binary, label):
    workdir = Path(tempfile.mkdtemp(prefix=f"fagruppe-bench-search-{kind}-"))
    database = bench.Database(kind, workdir)
    rows = []
    try:
        bench.log(f"{kind}: seeding standard --scale 1")
        started = time.monotonic()
        bench.run([str(binary), "seed", "standard", "--scale", "1"],
                  env=bench.server_env(database, workdir, 0, "warn"))
        seeded = time.monotonic() - started
        size = index_size(database)
        server = bench.Server(database, workdir, binary=binary)
        try:
            for text, what in SEARCHES:
                body = {"query": QUERY, "variables": {"q": text}}
                answer = json.loads(bench.post(server.url, {"query": COUNT, "variables": {"q": text}}))
                if answer.get("errors"):
                    raise SystemExit(f"bench: {answer['errors']}")
                total = answer["data"]["search"]["totalCount"]
                for concurrency in [1, 32]:
                    bench.log(f"{kind}: {what} at concurrency {concurrency}")
                    _, rps, p50, p99 = bench.wrk(server.url, body, concurrency, seconds, workdir, timeout="60s")
                    rows.append((label, what, total, concurrency, rps, p50, p99))
        finally:
            server.stop()
        return rows, size, seeded
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--before", type=Path, help="an older build to measure in the same run")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    bench.ensure_tools(kinds)
    print("| database | search | hits | concurrency | searches/s | p50 | p99 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    sizes = []
    builds = [(bench.BINARY, "")]
    if args.before:
        builds.insert(0, (args.before.resolve(), " (before)"))
    for kind in kinds:
        for binary, suffix in builds:
            rows, size, seeded = measure(kind, args.seconds, binary, kind + suffix)
            sizes.append((kind + suffix, size, seeded))
            for label, what, total, concurrency, rps, p50, p99 in rows:
                print(f"| {label} | {what} | {total:,} | {concurrency} | {rps:.0f} | "
                      f"{p50:.2f} ms | {p99:.2f} ms |", flush=True)
    for kind, size, seeded in sizes:
        print(f"\n{kind}: index {size / 1024 / 1024:.1f} MiB; seeded in {seeded:.0f} s")


if __name__ == "__main__":
    main()
