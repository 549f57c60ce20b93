#!/usr/bin/env bash
# Lints openapi/openapi.json (or $1) with Redocly's recommended ruleset (@redocly/cli, pinned by
# tests/openapi-lint/package-lock.json), installed with the machine's Node.js into
# target/tools/openapi-lint on first use. Exits non-zero on any error; warnings are printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tests/scripts/node-tool.sh"
tools=$(node_tool openapi-lint)
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$tools/node_modules/.bin/redocly" lint \
  --extends recommended --format stylish "${1:-$root/openapi/openapi.json}"
