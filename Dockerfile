# Builds the release binary, then runs it in a small image as an unprivileged user.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p fagruppe

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data fagruppe \
    && mkdir -p /data && chown fagruppe /data
COPY --from=build /src/target/release/fagruppe /usr/local/bin/fagruppe
USER fagruppe
WORKDIR /data
# glibc's allocator keeps up to 64 freed blocks of each size per thread (7 by default) for the
# next request to reuse: on PostgreSQL 6–9 % less CPU per request, 3 MiB more under load (on
# SQLite 1–7 % fewer requests). And it keeps two heaps (arenas) for all threads rather than one
# per thread (up to eight per core): 1.2 MiB less when idle, the same CPU per page read, 6 %
# fewer comments a second when 32 members comment in one thread (README, Benchmarks).
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/data \
    LOG_FORMAT=json \
    GLIBC_TUNABLES=glibc.malloc.tcache_count=64:glibc.malloc.arena_max=2
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=6s --start-period=10s CMD ["fagruppe", "ready"]
ENTRYPOINT ["fagruppe"]
CMD ["serve"]
