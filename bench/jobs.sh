#!/usr/bin/env bash
# Jobs per second through the queue on PostgreSQL: N cheap jobs (N=5000), two `fagruppe worker`
# processes of PER workers each (PER=1), against the local PostgreSQL. Build with
# `cargo build --release` first.
set -euo pipefail
BIN=${BIN:-"$(dirname "$0")/../target/release/fagruppe"}
N=${N:-5000}
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS fagruppe_jobbench" -c "CREATE DATABASE fagruppe_jobbench"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/fagruppe_jobbench JWT_SECRET=$(head -c 48 /dev/urandom | base64) MAIL=off RUST_LOG=warn DATA_DIR=/tmp/jobbench-data
$BIN migrate
psql -q -h 127.0.0.1 -U postgres -d fagruppe_jobbench -c "INSERT INTO job (id, kind, payload, idempotency_key, state, attempts, max_attempts, run_at, created_at, updated_at) SELECT gen_random_uuid(), 'purge-jobs', '{}', NULL, 'QUEUED', 0, 3, now(), now(), now() FROM generate_series(1, $N)"
start=$(date +%s.%N)
WORKERS_JOBS=${PER:-1} JOBS_POLL_MS=50 $BIN worker & a=$!
WORKERS_JOBS=${PER:-1} JOBS_POLL_MS=50 $BIN worker & b=$!
while true; do
  left=$(psql -qtA -h 127.0.0.1 -U postgres -d fagruppe_jobbench -c "SELECT count(*) FROM job WHERE state <> 'DONE'")
  [ "$left" = "0" ] && break
  sleep 0.1
done
end=$(date +%s.%N)
kill $a $b; wait $a $b 2>/dev/null || true
twice=$(psql -qtA -h 127.0.0.1 -U postgres -d fagruppe_jobbench -c "SELECT count(*) FROM job WHERE attempts <> 1")
python3 -c "print(f'{$N} jobs in {$end-$start:.2f} s: {$N/($end-$start):.0f} jobs/s; jobs run more than once: $twice')"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE fagruppe_jobbench"
