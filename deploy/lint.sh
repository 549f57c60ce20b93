#!/usr/bin/env bash
# `make deploy-lint`: checkov (PyPI, pinned, in a venv under target/tools) over deploy/ —
# the Dockerfile and the Terraform — plus the repository's own checks of what checkov does not
# read: the runtime stage, the compose wiring (deploy/check_deploy.py) and that every environment
# variable the deploy files set is one `dixie` reads (src/config/vars.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/tools/checkov-venv"
checkov_version=3.3.30
if [ ! -x "$venv/bin/checkov" ] || ! "$venv/bin/checkov" --version 2>/dev/null | grep -qx "$checkov_version"; then
  echo "deploy-lint: installing checkov $checkov_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$checkov_version"
fi
"$venv/bin/checkov" --quiet --compact --skip-download --framework dockerfile terraform secrets -d deploy
"$venv/bin/python" deploy/check_deploy.py deploy/Dockerfile deploy/docker-compose.integration.yml deploy/terraform src/config/vars.rs
