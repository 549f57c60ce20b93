#!/usr/bin/env bash
# Prints a PostgreSQL server URL that the test suite may create databases on.
#   1. $DATABASE_URL when set;
#   2. else a server already answering on 127.0.0.1:5432 (trust auth, user postgres);
#   3. else a throwaway cluster under target/pg-cluster on 127.0.0.1:55432, installing Debian's
#      `postgresql` package first when no server binaries exist.
# Everything else goes to stderr, so `DATABASE_URL=$(tests/scripts/ensure-postgres.sh)` works.
# DIXIE_TEST_PG_THROWAWAY=1 skips step 2 (to exercise step 3 on a machine that has a server).
set -euo pipefail
log() { echo "ensure-postgres: $*" >&2; }

if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL"; exit 0
fi

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  command -v "$1" 2>/dev/null
}

answers() { # url
  local isready; isready=$(find_bin pg_isready) || return 1
  "$isready" -q -d "$1" >/dev/null 2>&1
}

local_url="postgres://postgres@127.0.0.1:5432/postgres"
if [ "${DIXIE_TEST_PG_THROWAWAY:-0}" != 1 ] && answers "$local_url"; then
  log "using the server on 127.0.0.1:5432"
  echo "$local_url"; exit 0
fi

if ! find_bin initdb >/dev/null || ! find_bin pg_isready >/dev/null; then
  log "no PostgreSQL server binaries: installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)

root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${CARGO_TARGET_DIR:-$root/target}/pg-cluster"
port=55432
url="postgres://postgres@127.0.0.1:$port/postgres"
if answers "$url"; then
  log "using the throwaway cluster already running in $dir"
  echo "$url"; exit 0
fi

# initdb refuses to run as root: the cluster belongs to the postgres system user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  log "creating a throwaway cluster in $dir"
  as_pg "$initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
fi
# TLS like a managed database, so the sslmode tests mean the same everywhere.
if [ ! -f "$dir/server.key" ]; then
  command -v openssl >/dev/null || { apt-get install -y -qq openssl >&2; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/server.key"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/server.key" "$dir/server.crt"
fi
as_pg "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >&2
log "throwaway cluster up on 127.0.0.1:$port (stop: $pg_ctl -D $dir/data stop)"
echo "$url"
