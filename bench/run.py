#!/usr/bin/env python3
"""The read-path benchmark: the four pages a frontend loads most, on the release server.

For each database (SQLite and PostgreSQL by default) it seeds `fagruppe seed standard`, starts
the release server, checks each page answers without errors, counts the SQL statements one
request runs (from the server's `fagruppe::sql` trace), then loads each page with wrk at
concurrency 1 and 32 and reports requests per second, p50/p99 latency, server CPU ms per
request, PostgreSQL CPU ms per request and RSS (idle, and peak under load). On PostgreSQL it also
runs the same answer as one hand-written SQL statement through pgbench (`bench/ceiling/*.sql`):
the ceiling, with the server's share of it. Each page at each concurrency is loaded in rounds
(`--rounds`, 3 by default), each followed by its ceiling, and the tables show the medians: a
round's share of the ceiling compares the page and its ceiling a few seconds apart.

Everything runs in one session on this machine, so the ratios are what to read; the absolute
numbers move with whatever else the machine does. The server runs with the allocator setting of
the container image (`GLIBC_TUNABLES` in the Dockerfile) unless the environment sets its own.

    bench/run.py [--db sqlite|postgres|both] [--scale N] [--seconds S] [--out FILE]
                 [--pages meetup,group,thread,directory] [--binary PATH] [--rounds N]

Needs: cargo, wrk (installed with apt-get when missing), and for PostgreSQL a server reachable
as PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) with psql and pgbench.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BINARY = ROOT / "target" / "release" / "fagruppe"
PAGES = ["meetup", "group", "thread", "directory"]
CONCURRENCY = [1, 32]
# Rounds of each measurement (a page at one concurrency, then its ceiling), whose medians the
# tables show: `--rounds`.
ROUNDS = 1
TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def ensure_tools(databases):
    if shutil.which("wrk") is None:
        log("installing wrk from the Debian packages")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if "sqlite" in databases and shutil.which("sqlite3") is None:
        log("installing sqlite3 from the Debian packages")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)
    if "postgres" in databases:
        for tool in ["psql", "pgbench"]:
            if shutil.which(tool) is None:
                sys.exit(f"bench: {tool} is missing (Debian package postgresql-client / postgresql)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def global_id(kind, uuid):
    raw = f"{kind}:{uuid.replace('-', '')}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def postgres_ticks():
    """CPU ticks of every PostgreSQL process (the backends serving the benchmark among them),
    with those of the processes they have waited for: a worker or backend that exits during a
    measurement counts through the postmaster's children's times, rather than taking its ticks
    out of the sum."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                content = f.read()
        except OSError:
            continue
        name = content[content.find("(") + 1 : content.rfind(")")]
        if name.startswith("postgres"):
            fields = content.rsplit(")", 1)[1].split()
            total += sum(int(field) for field in fields[11:15])
    return total


def wait_until_idle(pid, quiet=0.5, limit=60):
    """Waits until the process has used no CPU for `quiet` seconds (at most `limit` seconds):
    on a freshly seeded database the job worker sends the seeded meetups' reminders as the
    server starts, and idle memory is measured after that."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_ticks(pid)
        time.sleep(quiet)
        if cpu_ticks(pid) == before:
            return
    log(f"the server was still busy after {limit} s; its idle memory is measured as it is")


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Database:
    """A fresh database for one benchmark run."""

    def __init__(self, kind, workdir):
        self.kind = kind
        self.workdir = workdir
        if kind == "sqlite":
            self.url = f"sqlite://{workdir}/bench.db?mode=rwc"
        else:
            self.admin = os.environ.get(
                "PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
            )
            self.name = f"fagruppe_bench_{os.getpid()}"
            run(["psql", self.admin, "-qc", f'DROP DATABASE IF EXISTS "{self.name}"'])
            run(["psql", self.admin, "-qc", f'CREATE DATABASE "{self.name}"'])
            self.url = self.admin.rsplit("/", 1)[0] + "/" + self.name

    def query(self, sql):
        if self.kind == "sqlite":
            out = run(["sqlite3", f"{self.workdir}/bench.db", sql]).stdout
        else:
            out = run(["psql", self.url, "-At", "-c", sql]).stdout
        return out.strip()

    def text_of(self, column):
        """`column` (a UUID) as text: SQLite keeps UUIDs as 16-byte blobs, so read their hex."""
        return f"lower(hex({column}))" if self.kind == "sqlite" else f"{column}::text"

    def drop(self):
        if self.kind == "postgres":
            run(["psql", self.admin, "-qc", f'DROP DATABASE IF EXISTS "{self.name}"'])


def image_tunables():
    """The allocator setting the container image runs the server with (`GLIBC_TUNABLES` in the
    Dockerfile), so that the benchmark measures the server as it is deployed."""
    found = re.search(r"GLIBC_TUNABLES=(\S+)", (ROOT / "Dockerfile").read_text())
    if found is None:
        sys.exit("bench: the Dockerfile sets no GLIBC_TUNABLES")
    return found.group(1)


def server_env(database, workdir, port, log_filter, extra_env=None):
    env = dict(os.environ)
    # The caller's own setting wins (`GLIBC_TUNABLES= bench/run.py` measures glibc's defaults).
    env.setdefault("GLIBC_TUNABLES", image_tunables())
    env.update(
        {
            "DATABASE_URL": database.url,
            "DATA_DIR": str(workdir),
            "LISTEN_ADDR": f"127.0.0.1:{port}",
            "JWT_SECRET": "benchmark-secret-that-is-long-enough-for-hs256-0123456789",
            "RATE_LIMIT": "off",
            "RUST_LOG": log_filter,
        }
    )
    env.update(extra_env or {})
    return env


class Server:
    def __init__(self, database, workdir, log_filter="warn", binary=None, extra_env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [str(binary or BINARY), "serve"],
            env=server_env(database, workdir, self.port, log_filter, extra_env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"bench: the server exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        sys.exit("bench: the server did not become ready in 60 s")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@contextlib.contextmanager
def fresh_postgres_server(binary, prefix):
    """The release server `binary` on a fresh PostgreSQL database, dropped afterwards: yields the
    server, the database and a working folder."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    database = Database("postgres", workdir)
    try:
        server = Server(database, workdir, binary=binary)
        try:
            yield server, database, workdir
        finally:
            server.stop()
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def builds_to_compare(description):
    """The write benchmarks' arguments (`--binary`, `--before`, `--seconds`): the builds to
    measure in order, each with its label, and the seconds per load."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--binary", type=Path, help="the build to measure (default: target/release)")
    parser.add_argument("--before", type=Path, help="an older build to measure in the same run")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    ensure_tools(["postgres"])
    builds = [(args.before.resolve(), "before")] if args.before else []
    builds.append(((args.binary or BINARY).resolve(), "now"))
    return builds, args.seconds


def compare_builds(description, measure, columns):
    """Runs `measure(binary, label, seconds)` on each build `builds_to_compare` names and prints
    its rows `(build, what, per second, p50, p99, note)` as one table, `columns` naming the what,
    per-second and note columns (a rate of 0 is left blank: a row that measures latency only)."""
    builds, seconds = builds_to_compare(description)
    rows = [row for binary, label in builds for row in measure(binary, label, seconds)]
    what, rate, note = columns
    print(f"| build | {what} | {rate} | p50 | p99 | {note} |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for label, measured, rps, p50, p99, remark in rows:
        shown = f"{rps:.0f}" if rps else ""
        print(f"| {label} | {measured} | {shown} | {p50:.2f} ms | {p99:.2f} ms | {remark} |")


def post(url, body):
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def targets(database):
    """The rows each page shows: busy but typical ones, chosen the same way on both databases.
    Returns each page's GraphQL variables and the ceiling statement's."""
    meetup = database.query(
        f"SELECT {database.text_of('id')} FROM meetup WHERE status = 'PUBLISHED' "
        "AND going_count >= 20 ORDER BY going_count, id LIMIT 1"
    )
    slug = database.query(
        "SELECT slug FROM interest_group ORDER BY member_count DESC, id LIMIT 1"
    )
    thread = database.query(
        f"SELECT {database.text_of('thread_id')} FROM comment WHERE parent_id IS NULL "
        "GROUP BY thread_id HAVING count(*) >= 50 ORDER BY count(*), thread_id LIMIT 1"
    )
    meetup, thread = uuid_text(meetup), uuid_text(thread)
    return {
        "meetup": ({"id": global_id("Meetup", meetup)}, {"id": meetup}),
        "group": ({"slug": slug}, {"slug": slug}),
        "thread": ({"id": global_id("Thread", thread)}, {"id": thread}),
        "directory": ({}, {}),
    }


def uuid_text(value):
    """A UUID as PostgreSQL prints it, from either database's text of it."""
    hex_digits = value.replace("-", "").lower()
    if len(hex_digits) != 32:
        sys.exit(f"bench: no row to show ({value!r}): is the data set seeded?")
    return "-".join(
        [hex_digits[:8], hex_digits[8:12], hex_digits[12:16], hex_digits[16:20], hex_digits[20:]]
    )


def request_body(page, variables):
    query = (BENCH / "queries" / f"{page}.graphql").read_text()
    return {"query": query, "variables": variables}


def check_pages(server, bodies):
    for page, body in bodies.items():
        answer = json.loads(post(server.url, body))
        if answer.get("errors") or not answer.get("data"):
            sys.exit(f"bench: the {page} page failed: {json.dumps(answer)[:500]}")


def count_statements(database, workdir, bodies):
    """The SQL statements one request of each page runs, from the server's statement trace."""
    # No job workers: their polls would be counted with the page's statements.
    server = Server(database, workdir, "warn,fagruppe::sql=trace", extra_env={"WORKERS_JOBS": "0"})
    statements = {}
    try:
        for page, body in bodies.items():
            post(server.url, body)
            server.log.flush()
            before = len(traced_statements(server))
            post(server.url, body)
            statements[page] = traced_statements(server)[before:]
    finally:
        server.stop()
    return statements


def traced_statements(server):
    # The trace (the only TRACE level enabled) is written before the response is sent, so it is
    # complete once the answer is in.
    with open(server.log.name) as f:
        lines = [ANSI.sub("", line) for line in f if "TRACE" in line]
    return [line.split(" sql=", 1)[1].strip() for line in lines]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plan_problems(database, statements):
    """Each statement's plan on PostgreSQL as prepared statements end up running it (the generic
    plan, whatever the parameters), on the seeded data with its statistics: the steps that read
    the whole of a table of more than a thousand rows, sort more than a thousand rows, or sort
    every matching row to show a page, if any.
    (A table of a few pages, such as the groups at scale 1, is read whole: that is cheaper.)"""
    rows = {
        name: float(count)
        for name, count in (
            line.split("|")
            for line in database.query(
                "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'"
                " AND relnamespace = 'public'::regnamespace"
            ).splitlines()
        )
    }
    problems = []
    for sql in statements:
        parameters = max((int(n) for n in re.findall(r"\$(\d+)", sql)), default=0)
        arguments = f"({', '.join(['NULL'] * parameters)})" if parameters else ""
        plan = database.query(
            "SET plan_cache_mode = force_generic_plan;\n"
            f"PREPARE page_statement AS {sql};\n"
            f"EXPLAIN (FORMAT JSON) EXECUTE page_statement{arguments};"
        )
        # psql prints each command's result: SET, PREPARE, then the plan.
        tree = json.loads(plan[plan.index("["):])[0]["Plan"]
        problems += [f"{step} in: {sql[:120]}…" for step in plan_steps(tree, rows)]
    return problems


def plan_steps(node, rows, paged=False):
    """Full scans of tables over a thousand rows, sorts of over a thousand, and sorts that a page
    (a `LIMIT`) takes its first rows from after reading every row that matches, however few the
    statistics expect (a thread of 7,000 comments has as many to sort), depth first."""
    found = []
    if node["Node Type"] == "Seq Scan" and rows.get(node["Relation Name"], 0) > 1000:
        found.append(f"a full scan of {node['Relation Name']}")
    if node["Node Type"] == "Sort" and node["Plan Rows"] > 1000:
        found.append(f"a sort of {node['Plan Rows']} rows")
    elif node["Node Type"] == "Sort" and paged and not bounded(node):
        found.append("a sort of every matching row for a page")
    for child in node.get("Plans", []):
        found += plan_steps(child, rows, node["Node Type"] == "Limit")
    return found


def bounded(node):
    """Whether a `LIMIT` below `node` bounds what it reads."""
    return any(child["Node Type"] == "Limit" or bounded(child) for child in node.get("Plans", []))


def wrk(url, body, concurrency, seconds, workdir, timeout="2s"):
    script = workdir / "wrk.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    threads = 1 if concurrency == 1 else 2
    out = run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            timeout,
            "-s",
            str(script),
            url + "/graphql",
        ]
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"bench: wrk saw errors:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return requests, rps, wrk_latency(out, "50%"), wrk_latency(out, "99%")


def wrk_latency(out, percentile):
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def pgbench(database, page, variables, concurrency, seconds, workdir):
    logs = workdir / f"pgbench-{page}-{concurrency}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    command = [
        "pgbench",
        "-n",
        "-M",
        "prepared",
        "-f",
        str(BENCH / "ceiling" / f"{page}.sql"),
        "-c",
        str(concurrency),
        "-j",
        str(1 if concurrency == 1 else 2),
        "-T",
        str(seconds),
        "-l",
        "--log-prefix",
        str(logs / "log"),
    ]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    before = postgres_ticks()
    out = run(command + [database.url]).stdout
    ticks = postgres_ticks() - before
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latencies = []
    for file in logs.iterdir():
        for line in file.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000.0)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "rps": tps,
        "p50": p50,
        "p99": p99,
        "pg_cpu": ticks / TICKS * 1000.0 / max(transactions, 1),
    }


def bench_database(kind, scale, seconds):
    workdir = Path(tempfile.mkdtemp(prefix=f"fagruppe-bench-{kind}-"))
    database = Database(kind, workdir)
    try:
        log(f"{kind}: seeding standard --scale {scale}")
        started = time.monotonic()
        run(
            [str(BINARY), "seed", "standard", "--scale", str(scale)],
            env=server_env(database, workdir, 0, "warn"),
        )
        seeded = time.monotonic() - started
        chosen = targets(database)
        bodies = {page: request_body(page, chosen[page][0]) for page in PAGES}
        traced = count_statements(database, workdir, bodies)
        statements = {page: len(sqls) for page, sqls in traced.items()}
        server = Server(database, workdir)
        results = {"seed_seconds": seeded, "pages": {}}
        if kind == "postgres":
            problems = plan_problems(database, [sql for sqls in traced.values() for sql in sqls])
            results["plan_problems"] = problems
            log(f"{kind}: plans: " + ("; ".join(problems) if problems else "every step by index"))
        try:
            check_pages(server, bodies)
            wait_until_idle(server.process.pid)
            results["idle_rss_mib"] = memory_kib(server.process.pid, "VmRSS") / 1024
            for page in PAGES:
                for concurrency in CONCURRENCY:
                    rounds = []
                    for number in range(1, ROUNDS + 1):
                        log(f"{kind}: {page} page at concurrency {concurrency}, round {number}")
                        row = measure_page(server, bodies[page], concurrency, seconds, workdir)
                        if kind == "postgres":
                            log(f"{kind}: {page} ceiling at concurrency {concurrency}")
                            row["ceiling"] = pgbench(
                                database, page, chosen[page][1], concurrency, seconds, workdir
                            )
                        rounds.append(row)
                    row = medians(rounds)
                    row["statements"] = statements[page]
                    results["pages"][(page, concurrency)] = row
            results["peak_rss_mib"] = memory_kib(server.process.pid, "VmHWM") / 1024
        finally:
            server.stop()
        return results
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def measure_page(server, body, concurrency, seconds, workdir):
    """One load of a page with wrk: its rate and latency, and the CPU the server and PostgreSQL
    spent per request meanwhile."""
    server_before = cpu_ticks(server.process.pid)
    pg_before = postgres_ticks()
    requests, rps, p50, p99 = wrk(server.url, body, concurrency, seconds, workdir)
    server_ms = (cpu_ticks(server.process.pid) - server_before) / TICKS * 1000
    pg_ms = (postgres_ticks() - pg_before) / TICKS * 1000
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "server_cpu": server_ms / max(requests, 1),
        "pg_cpu": pg_ms / max(requests, 1),
    }


def medians(rounds):
    """The median of each figure over rounds of the same measurement (the ceiling's too), and
    the median of the page's share of the ceiling in each round: the page and its ceiling
    alternate, so a round's share compares the two at the same moment of the machine."""
    row = {key: statistics.median(r[key] for r in rounds) for key in rounds[0] if key != "ceiling"}
    if "ceiling" in rounds[0]:
        ceilings = [r["ceiling"] for r in rounds]
        row["ceiling"] = {key: statistics.median(c[key] for c in ceilings) for key in ceilings[0]}
        row["share"] = statistics.median(r["rps"] / r["ceiling"]["rps"] for r in rounds)
    return row


def report(kind, scale, results):
    lines = [
        f"### {kind}, scale {scale} (seeded in {results['seed_seconds']:.0f} s; "
        f"RSS {results['idle_rss_mib']:.1f} MiB idle, {results['peak_rss_mib']:.1f} MiB peak)",
        "",
    ]
    header = "| page | clients | req/s | p50 ms | p99 ms | server CPU ms/req | SQL statements |"
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    if kind == "postgres":
        header += " PostgreSQL CPU ms/req | ceiling req/s | ceiling p50 ms | share of ceiling |"
        rule += "---:|---:|---:|---:|"
    lines += [header, rule]
    for (page, concurrency), row in results["pages"].items():
        line = (
            f"| {page} | {concurrency} | {row['rps']:.0f} | {row['p50']:.2f} | {row['p99']:.2f} "
            f"| {row['server_cpu']:.2f} | {row['statements']} |"
        )
        if kind == "postgres":
            ceiling = row["ceiling"]
            line += (
                f" {row['pg_cpu']:.2f} | {ceiling['rps']:.0f} | {ceiling['p50']:.2f} "
                f"| {row['share'] * 100:.0f} % |"
            )
        lines.append(line)
    if kind == "postgres":
        problems = results["plan_problems"]
        lines += ["", "Plans (generic, on the seeded data): " + (
            "; ".join(problems)
            if problems
            else "every table read by an index, no sort of more than 1,000 rows, no page sorted"
            " from every row that matches."
        )]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument(
        "--binary", type=Path, help="another build of fagruppe to measure (implies --no-build)"
    )
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds of each page and its ceiling"
    )
    args = parser.parse_args()
    global BINARY, ROUNDS
    ROUNDS = max(args.rounds, 1)
    if args.binary:
        BINARY = args.binary.resolve()
        args.no_build = True
    PAGES[:] = [page for page in args.pages.split(",") if page]
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ensure_tools(databases)
    if not args.no_build:
        log("building the release server")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    output = ""
    for kind in databases:
        output += report(kind, args.scale, bench_database(kind, args.scale, args.seconds)) + "\n"
    print(output)
    if args.out:
        args.out.write_text(output)


if __name__ == "__main__":
    main()
