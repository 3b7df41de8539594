#!/usr/bin/env python3
"""Several replicas: read throughput with one and two replicas behind Caddy, and what Redis costs.

On PostgreSQL seeded with `fagruppe seed standard`, in one session:
- the meetup page (bench/queries/meetup.graphql) with wrk at concurrency 32 against one replica
  directly, one replica behind Caddy (the cost of the proxy hop), and two replicas behind Caddy
  balancing round-robin, with each replica's memory (RSS) at idle and at its peak under load;
- the added latency of the Redis rate limiter: `refreshSession` with a token that does not exist
  (one throttle hit and one indexed lookup, so the throttle's share shows) and `login` (three
  throttle hits and argon2id) at concurrency 1, with the in-process limiter and with Redis.

    bench/replicas.py [--seconds S] [--binary PATH]

Needs a release build, PostgreSQL at PG_ADMIN_URL, Redis at REDIS_URL (default
redis://127.0.0.1:6379) and caddy (installed with apt-get when missing).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import run as bench

PASSWORD = "benchmark password 0123"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
# Every throttle on, and high enough that the measurement never reaches one.
THROTTLES = {
    "RATE_LIMIT": "on",
    "LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE": "1000000",
    "LOGIN_LIMIT_PER_ADDRESS_PER_HOUR": "1000000",
    "LOGIN_LIMIT_PER_ACCOUNT_PER_HOUR": "1000000",
    "REFRESH_LIMIT_PER_ADDRESS_PER_MINUTE": "1000000",
    "REGISTER_LIMIT_PER_ADDRESS_PER_HOUR": "1000000",
}


def ensure_caddy():
    if shutil.which("caddy") is None:
        bench.log("installing caddy from the Debian packages")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "caddy"], check=True)


class Caddy:
    """Caddy on a free port, balancing round-robin over `upstreams` (as deploy/Caddyfile)."""

    def __init__(self, upstreams, workdir):
        self.port = bench.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / f"Caddyfile-{self.port}"
        targets = " ".join(upstream.removeprefix("http://") for upstream in upstreams)
        config.write_text(
            "{\n\tadmin off\n\tauto_https off\n}\n"
            f":{self.port} {{\n\treverse_proxy {targets} {{\n\t\tlb_policy round_robin\n\t}}\n}}\n"
        )
        self.log = open(workdir / f"caddy-{self.port}.log", "w")
        self.process = subprocess.Popen(
            ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("bench: caddy did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def read_throughput(name, url, servers, proxy, body, seconds, workdir):
    idle = [bench.memory_kib(server.process.pid, "VmRSS") / 1024 for server in servers]
    before = [bench.cpu_ticks(server.process.pid) for server in servers]
    proxy_before = bench.cpu_ticks(proxy.process.pid) if proxy else 0
    requests, rps, p50, p99 = bench.wrk(url, body, 32, seconds, workdir)
    server_ms = sum(
        bench.cpu_ticks(server.process.pid) - ticks for server, ticks in zip(servers, before)
    ) / bench.TICKS * 1000
    proxy_ms = (bench.cpu_ticks(proxy.process.pid) - proxy_before) / bench.TICKS * 1000 if proxy else 0
    peak = [bench.memory_kib(server.process.pid, "VmHWM") / 1024 for server in servers]
    bench.log(f"{name}: {rps:.0f} requests/s, p50 {p50:.2f} ms")
    return {
        "setup": name,
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "server_cpu": server_ms / max(requests, 1),
        "proxy_cpu": proxy_ms / max(requests, 1),
        "idle": idle,
        "peak": peak,
    }


def graphql(url, query, variables):
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def timed(url, query, variables, seconds, expect_error):
    """Per-request latencies (ms) of one request after another for `seconds`."""
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = graphql(url, query, variables)
        samples.append((time.perf_counter() - started) * 1000)
        failed = bool(answer.get("errors"))
        if failed != expect_error:
            raise SystemExit(f"bench: unexpected answer {json.dumps(answer)[:300]}")
    return samples


REFRESH = "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }"
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { email } }"


def limiter_latency(database, workdir, binary, seconds):
    rows = []
    email = "limiter@bench.example"
    for limiter, extra in [("in-process", {}), ("Redis", {"REDIS_URL": REDIS_URL,
                                                        "REDIS_KEY_PREFIX": f"bench-{os.getpid()}"})]:
        server = bench.Server(database, workdir, binary=binary, extra_env={**THROTTLES, **extra})
        try:
            if limiter == "in-process":
                graphql(server.url, REGISTER, {"input": {
                    "email": email, "password": PASSWORD, "displayName": "Limiter"}})
            for what, query, variables, error in [
                ("refreshSession (refused)", REFRESH, {"token": "x" * 43}, True),
                ("login", LOGIN, {"input": {"email": email, "password": PASSWORD}}, False),
            ]:
                timed(server.url, query, variables, 1, error)
                samples = timed(server.url, query, variables, seconds, error)
                rows.append((limiter, what, len(samples), statistics.median(samples),
                             statistics.quantiles(samples, n=100)[98]))
                bench.log(f"{limiter} {what}: p50 {rows[-1][3]:.3f} ms")
        finally:
            server.stop()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", type=Path, help="the build to measure (default: target/release)")
    args = parser.parse_args()
    binary = (args.binary or bench.BINARY).resolve()
    bench.ensure_tools(["postgres"])
    ensure_caddy()
    workdir = Path(tempfile.mkdtemp(prefix="fagruppe-bench-replicas-"))
    database = bench.Database("postgres", workdir)
    try:
        bench.log("seeding standard")
        bench.run([str(binary), "seed", "standard"], env=bench.server_env(database, workdir, 0, "warn"))
        body = bench.request_body("meetup", bench.targets(database)["meetup"][0])
        results = []
        first = bench.Server(database, workdir, binary=binary)
        try:
            bench.check_pages(first, {"meetup": body})
            results.append(read_throughput("one replica", first.url, [first], None, body,
                                           args.seconds, workdir))
            proxy = Caddy([first.url], workdir)
            try:
                results.append(read_throughput("one replica behind Caddy", proxy.url, [first],
                                               proxy, body, args.seconds, workdir))
            finally:
                proxy.stop()
            second = bench.Server(database, workdir, binary=binary)
            try:
                proxy = Caddy([first.url, second.url], workdir)
                try:
                    results.append(read_throughput("two replicas behind Caddy", proxy.url,
                                                   [first, second], proxy, body, args.seconds,
                                                   workdir))
                finally:
                    proxy.stop()
            finally:
                second.stop()
        finally:
            first.stop()
        limiter = limiter_latency(database, workdir, binary, args.seconds)
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)

    print("| setup | requests/s | p50 | p99 | server CPU ms/request | proxy CPU ms/request | RSS idle (MiB) | RSS peak (MiB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        idle = " + ".join(f"{value:.0f}" for value in row["idle"])
        peak = " + ".join(f"{value:.0f}" for value in row["peak"])
        print(f"| {row['setup']} | {row['rps']:.0f} | {row['p50']:.2f} ms | {row['p99']:.2f} ms "
              f"| {row['server_cpu']:.2f} | {row['proxy_cpu']:.2f} | {idle} | {peak} |")
    print()
    print("| limiter | request | samples | p50 | p99 |")
    print("| --- | --- | ---: | ---: | ---: |")
    for limiter, what, count, p50, p99 in limiter:
        print(f"| {limiter} | {what} | {count} | {p50:.3f} ms | {p99:.3f} ms |")


if __name__ == "__main__":
    main()
