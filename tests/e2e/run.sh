#!/usr/bin/env bash
# `make e2e`: the integration topology of deploy/docker-compose.integration.yml without
# containers. PostgreSQL (local or throwaway, via ensure-postgres.sh) gets a fresh database, the
# migration step runs, the Finn stand-in and the RELEASE dixie binary start on loopback ports in
# production mode, and the suite in tests/e2e runs against INTEGRATION_TEST_URL: once, then
# again after a graceful restart of dixie (SIGTERM; exit code checked) for the persistence
# check. Swagger UI is then loaded in headless Chromium. Last, a newcomer's path: `make run` on
# its defaults (it brings up the Finn stand-in), `/api/health` healthy, `make quickstart` green,
# and Swagger UI's Authorize + Execute driven in headless Chromium with the quickstart's JWT.
# Everything started here is stopped and the database dropped, pass or fail. Artefacts (logs,
# screenshot) go to $E2E_OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
out="${E2E_OUT:-$target/e2e}"
rm -rf "$out"; mkdir -p "$out"
log() { echo "e2e: $*" >&2; }

log "building the release binary, the Finn stand-in and the suite"
cargo build --release --quiet --bin dixie
cargo build --quiet --example finn_standin
cargo test --quiet -p dixie-e2e --no-run
dixie="$target/release/dixie"

pids=()
server_url=$(tests/scripts/ensure-postgres.sh)
db="dixie_e2e_$$_$(date +%s)"
psql_bin() { local d; for d in /usr/lib/postgresql/*/bin; do [ -x "$d/psql" ] && { echo "$d/psql"; return; }; done; command -v psql; }
psql=$(psql_bin)
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill -- "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$psql" -q "$server_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  [ $rc -eq 0 ] || { log "FAILED (rc=$rc); logs in $out"; tail -n 40 "$out"/dixie-*.log >&2 2>/dev/null || true; }
  exit $rc
}
trap cleanup EXIT
"$psql" -q "$server_url" -c "CREATE DATABASE $db" >/dev/null
database_url=$(tests/scripts/database-url.sh "$server_url" "$db")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # url what
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  log "$2 did not come up at $1"; return 1
}

finn_port=$(free_port)
"$target/debug/examples/finn_standin" "$finn_port" > "$out/finn.log" 2>&1 & pids+=($!)
wait_up "http://127.0.0.1:$finn_port/health" "the Finn stand-in"

port=$(free_port)
page_port=$(free_port) # the origin of the cross-origin web client below
# Redis and NATS as the deployment has them (compose, Terraform): the rate limit is counted in
# Redis, under keys of this run's own; the limit is the compose stack's, so both suite runs fit
# in it. Chat signals go to NATS's DIXIE_SIGNALS stream.
redis_url=$(tests/scripts/ensure-redis.sh)
nats_url=$(tests/scripts/ensure-nats.sh)
export DIXIE_ENV=production DIXIE_PORT=$port FINN_URL="http://127.0.0.1:$finn_port" \
  DATABASE_URL="$database_url" DIXIE_JWT_PRIVATE_KEY="$("$dixie" keygen)" \
  DIXIE_ADMIN_KEY="e2e-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
  DIXIE_ALLOWLIST_PATH="$out/allowlist.json" DIXIE_SIWE_DOMAINS="e2e.dixie.test" \
  DIXIE_CORS_ORIGINS="https://e2e.dixie.test,http://127.0.0.1:$page_port" DIXIE_SCHEDULE_CALLBACK_SECRET="e2e-callback-secret" \
  DIXIE_SHUTDOWN_GRACE_SECS=10 LOG_LEVEL=info \
  REDIS_URL="$redis_url" DIXIE_REDIS_PREFIX="e2e-$db:" DIXIE_RATE_LIMIT_RPM=1000 \
  NATS_URL="$nats_url"
printf '{"version":1,"wallets":[],"apiKeys":[],"updated_at":"%s"}\n' "$(date -u +%FT%TZ)" > "$DIXIE_ALLOWLIST_PATH"

log "migration step: dixie migrate"
"$dixie" migrate > "$out/migrate.log" 2>&1

start_dixie() { # n
  "$dixie" > "$out/dixie-$1.log" 2>&1 & dixie_pid=$!; pids+=($dixie_pid)
  wait_up "http://127.0.0.1:$port/api/health" "dixie"
}
stop_dixie() {
  kill -TERM "$dixie_pid"
  local rc=0; wait "$dixie_pid" || rc=$?
  [ $rc -eq 0 ] || { log "dixie exited $rc on SIGTERM (want 0: graceful drain)"; return 1; }
}

export INTEGRATION_TEST_URL="http://127.0.0.1:$port" E2E_ADMIN_KEY="$DIXIE_ADMIN_KEY" \
  E2E_SIWE_DOMAIN="e2e.dixie.test" E2E_STATE_FILE="$out/state.json" \
  E2E_FINN_STANDIN_URL="http://127.0.0.1:$finn_port"

start_dixie 1
infra_healthy() { # the health body says Redis and NATS are healthy (NATS connects in the background)
  curl -fsS "$INTEGRATION_TEST_URL/api/health" | python3 -c 'import json,sys; h=json.load(sys.stdin); i=h.get("infrastructure",{}); sys.exit(0 if all(i.get(k,{}).get("status")=="healthy" for k in ("redis","nats")) else "health: Redis or NATS is not healthy: %s" % h)'
}
for _ in $(seq 1 20); do infra_healthy 2>/dev/null && break; sleep 0.5; done
infra_healthy
log "suite, first run against $INTEGRATION_TEST_URL"
cargo test --quiet -p dixie-e2e -- --test-threads=2
stop_dixie
start_dixie 2
log "suite, after a restart: what the first run wrote must still be there"
cargo test --quiet -p dixie-e2e -- --ignored

log "Swagger UI in headless Chromium"
tests/e2e/swagger.sh "$INTEGRATION_TEST_URL" "$out"
log "a web client on another origin (listed in DIXIE_CORS_ORIGINS), in headless Chromium"
cargo run --quiet -p dixie-e2e --bin cross_origin -- "$page_port" "$(free_port)"
stop_dixie

# A newcomer's first five minutes: `make run` as a fresh clone has it (none of the variables
# above; no FINN_URL, so the Finn stand-in comes up with it), then `make quickstart` against it.
log "newcomer: make run, then make quickstart against it"
run_port=$(free_port)
setsid env -u DIXIE_ENV -u FINN_URL -u DATABASE_URL -u DIXIE_JWT_PRIVATE_KEY -u DIXIE_ADMIN_KEY \
  -u DIXIE_ALLOWLIST_PATH -u DIXIE_SIWE_DOMAINS -u DIXIE_CORS_ORIGINS -u DIXIE_SCHEDULE_CALLBACK_SECRET \
  -u REDIS_URL -u DIXIE_REDIS_PREFIX -u DIXIE_RATE_LIMIT_RPM -u NATS_URL \
  DIXIE_PORT="$run_port" make --no-print-directory run > "$out/make-run.log" 2>&1 & run_group=$!
pids+=("-$run_group")
for _ in $(seq 1 1200); do curl -fsS -o /dev/null "http://127.0.0.1:$run_port/api/health" 2>/dev/null && break; sleep 0.5; done
health=$(curl -fsS "http://127.0.0.1:$run_port/api/health")
python3 -c 'import json,sys; b=json.loads(sys.argv[1]); sys.exit(0 if b["status"]=="healthy" else "make run: health says " + b["status"])' "$health"
grep -q "the Finn stand-in" "$out/make-run.log" || { log "make run did not say it started the stand-in"; exit 1; }
env -u DIXIE_ADMIN_KEY make --no-print-directory quickstart > "$out/quickstart.log" 2>&1 \
  || { tail -n 30 "$out/quickstart.log" >&2; log "the quickstart failed against make run's stack"; exit 1; }
grep -q "every step green" "$out/quickstart.log"
log "newcomer: Swagger UI's Authorize with the quickstart's JWT and the dev admin key, then Execute"
jwt=$(awk '/JWT for Swagger UI/ {print $NF}' "$out/quickstart.log")
admin_key=$(sed -n 's/^DIXIE_ADMIN_KEY=//p' "$target/run/stack.env")
cargo run --quiet -p dixie-e2e --bin swagger_authorize -- "http://127.0.0.1:$run_port" "$jwt" "$admin_key"
kill -INT -- "-$run_group"
wait "$run_group" 2>/dev/null || true
log "green; artefacts in $out"
