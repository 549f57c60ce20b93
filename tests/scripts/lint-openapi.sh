#!/usr/bin/env bash
# Lints openapi/openapi.json (or $1) with Redocly's recommended ruleset (@redocly/cli, pinned by
# tests/openapi-lint/package-lock.json), installed with the machine's Node.js into
# target/tools/openapi-lint on first use. Exits non-zero on any error; warnings are printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/target/tools/openapi-lint"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "lint-openapi: Node.js and npm are needed (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
mkdir -p "$tools"
if ! cmp -s "$root/tests/openapi-lint/package-lock.json" "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
  cp "$root/tests/openapi-lint/package.json" "$root/tests/openapi-lint/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$tools/node_modules/.bin/redocly" lint --extends recommended \
  --format stylish "${1:-$root/openapi/openapi.json}"
