#!/usr/bin/env bash
# `make run`: Dixie on its embedded defaults (memory store, generated dev key, the sample
# knowledge corpus). Outside production:
# - with FINN_URL unset, the Finn stand-in (tests/support/finn.rs: Finn's wire, no failure
#   injected) is started on a local port and Dixie points at it; both stop together;
# - with DIXIE_ADMIN_KEY unset, a dev admin key is generated and printed.
# What the quickstart (`make quickstart`) needs to find this stack is written to
# target/run/stack.env. Production and an explicit FINN_URL are left as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
say() { echo "make run: $*" >&2; }
export DIXIE_KNOWLEDGE_DIR="${DIXIE_KNOWLEDGE_DIR-deploy/knowledge}"
env_name="${DIXIE_ENV:-${NODE_ENV:-development}}"
if [ "$env_name" = production ]; then
  exec cargo run --quiet --bin dixie
fi

cargo build --quiet --bin dixie --example finn_standin
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

standin=""
if [ -z "${FINN_URL:-}" ]; then
  port=4000
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  fi
  "$target/debug/examples/finn_standin" "$port" >/dev/null 2>&1 & pids+=($!)
  export FINN_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$FINN_URL/health" 2>/dev/null && break; sleep 0.05; done
  standin=$FINN_URL
  say "FINN_URL is unset: the Finn stand-in (Finn's wire, no failures injected) serves $FINN_URL and stops with Dixie"
fi
if [ -z "${DIXIE_ADMIN_KEY:-}" ]; then
  DIXIE_ADMIN_KEY="dev-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  export DIXIE_ADMIN_KEY
  say "DIXIE_ADMIN_KEY is unset: the dev admin key of this run is $DIXIE_ADMIN_KEY"
fi
port="${PORT:-${DIXIE_PORT:-3001}}"
mkdir -p "$target/run"
printf 'DIXIE_URL=http://127.0.0.1:%s\nFINN_STANDIN_URL=%s\nDIXIE_ADMIN_KEY=%s\n' \
  "$port" "$standin" "$DIXIE_ADMIN_KEY" > "$target/run/stack.env"
"$target/debug/dixie" & pids+=($!)
wait "${pids[-1]}"
