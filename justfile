# The project's commands. The README's two set-up commands are plain cargo; these are the rest.

kurrentdb_url := env_var_or_default("KURRENTDB_URL", "kurrentdb://127.0.0.1:2113?tls=false")

# List the recipes.
default:
    @just --list

# Start the system on the embedded store in ./data (the README's run command).
run:
    cargo run --release

# Mint a development token, e.g. `just token --role CIVIL_AFFAIRS --mission MONUSCO --name "A. Manager"`.
token *ARGS:
    cargo run --release -q -- token {{ARGS}}

# Regenerate the checked-in schema.graphql.
schema:
    UPDATE_SCHEMA=1 cargo test -p cla-gateway --test schema

# The whole test suite (the README's test command).
test:
    npm ci --prefix tests/graphql-http --no-audit --no-fund
    cargo test --workspace

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs.
ci:
    bash .ci/run

# Embedded store benchmark: appends at 1/8/64 writers against the raw ceiling, read_all over 1M events.
# What sealing personal data costs: appends at 64 writers and the rebuild, sealed and not.
bench-sealing:
    cargo bench -p cla-platform --bench sealing

bench-store:
    cargo bench -p cla-event-store --bench store

# Speed at scale: rebuild, start-up, memory, board, review, known-at and commands over HTTP, for
# histories of 250k, 1M and 4M events written by `cla generate` (kept under target/bench-data).
bench-scale sizes="250000,1000000,4000000":
    CLA_BENCH_SIZES={{sizes}} cargo bench -p cla-gateway --bench scale

# Eight abusive callers against the demo world: /healthz and a board query's p50/p99 (target p99
# <= 50 ms), and what the abusers got back.
bench-abuse seconds="20":
    CLA_BENCH_SECONDS={{seconds}} cargo bench -p cla-gateway --bench abuse

# The detector's scan over 1,200 deployed CLAs at about 4.66M events: p50/p99/max (target <= 50 ms).
bench-silence events="4660000":
    CLA_BENCH_EVENTS={{events}} cargo bench -p cla-gateway --bench silence

# SMS check-ins through the signed Twilio webhook, 32 senders: throughput and p50/p99/max
# (targets >= 1000/s, p99 <= 100 ms), every answer checked.
bench-sms seconds="20":
    CLA_BENCH_SECONDS={{seconds}} cargo bench -p cla-gateway --bench sms

# 1,000 CRITICAL flags raised at once, each notified by a signed webhook to a real receiver: time
# from the first flag's answer to the last notification (target <= 10 s), flag-to-webhook p50/p99.
bench-escalation flags="1000":
    CLA_BENCH_FLAGS={{flags}} cargo bench -p cla-gateway --bench escalation

# The web app's pages for a history of about 4.66M events: server time per page p50/p99/max
# (target p99 <= 20 ms) and bytes on the wire with assets (budget 60 KB).
bench-web events="4660000":
    CLA_BENCH_EVENTS={{events}} cargo bench -p cla-gateway --bench web

# Write a history for benchmarks into ./data-generated (see `cla generate --help`).
generate *ARGS:
    CLA_DATA_DIR=./data-generated cargo run --release -- generate {{ARGS}}

# Every benchmark.
bench: bench-store bench-sealing bench-scale bench-abuse bench-silence bench-sms bench-escalation bench-web

# Start one KurrentDB node (insecure, local testing) on 127.0.0.1:2113.
kurrentdb-up:
    docker compose -f ops/kurrentdb/docker-compose.yml up -d --wait

# Start a three-node KurrentDB cluster (insecure, local testing) on 127.0.0.1:2111-2113.
kurrentdb-cluster-up:
    docker compose -f ops/kurrentdb/docker-compose.cluster.yml up -d --wait

# Stop KurrentDB (single node and cluster); their data volumes are kept.
kurrentdb-down:
    -docker compose -f ops/kurrentdb/docker-compose.yml down
    -docker compose -f ops/kurrentdb/docker-compose.cluster.yml down

# Run the event store's contract suite against KurrentDB (start it first: just kurrentdb-up).
test-kurrentdb:
    KURRENTDB_URL='{{kurrentdb_url}}' cargo test -p cla-event-store --test kurrentdb

# Check that the stored-event contracts in proto/ match their lock (see proto/README.md).
contracts-check:
    cargo test -p cla-contracts --test contracts_lock

# Regenerate proto/contracts.lock after an additive change to proto/.
contracts-lock:
    UPDATE_CONTRACTS_LOCK=1 cargo test -p cla-contracts --test contracts_lock
