#!/usr/bin/env bash
# Generates a Python client from openapi/openapi.json (or $SPEC) with openapi-python-client
# (pinned by tests/openapi-python/requirements.txt) and fails on any warning. With arguments,
# then runs tests/openapi-python/check_client.py ARGS with the generated client importable.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tests/scripts/python-tool.sh"
tools=$(python_tool openapi-python)
out=$(mktemp -d "${TMPDIR:-/tmp}/dixie-python-client.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$tools/bin/openapi-python-client" generate --path "${SPEC:-$root/openapi/openapi.json}" \
  --meta none --config "$root/tests/openapi-python/config.yml" \
  --output-path "$out/dixie_client" --fail-on-warning
if [ $# -gt 0 ]; then
  PYTHONPATH="$out" "$tools/bin/python" "$root/tests/openapi-python/check_client.py" "$@"
fi
