"""Checks of the deploy files that checkov does not make (run by deploy/lint.sh).

usage: check_deploy.py DOCKERFILE COMPOSE_FILE TERRAFORM_DIR CONFIG_RS

- the Dockerfile's runtime stage (checkov's rules look at the file, not at the stage that
  ships): non-root user, `dixie healthcheck` as HEALTHCHECK, EXPOSE 3001, all interfaces;
- the compose stack: postgres:16-alpine with a pg_isready health check and ephemeral storage;
  dixie has DATABASE_URL, waits for a healthy postgres and for the migration step to finish;
- every environment variable the compose file or the Terraform sets for Dixie is one that
  `dixie` reads (the VARS table of src/config/vars.rs), so a typo cannot ship silently.
"""

import pathlib
import re
import sys

import yaml

dockerfile, compose_path, tf_dir, config_rs = sys.argv[1:5]
errors = []


def check(ok, what):
    if not ok:
        errors.append(what)


known = set(re.findall(r'name: "([A-Z][A-Z0-9_]*)"', pathlib.Path(config_rs).read_text()))
check(len(known) > 20, f"found only {len(known)} variables in {config_rs}")

stages = re.split(r"^FROM ", pathlib.Path(dockerfile).read_text(), flags=re.M)
runtime = next((st for st in stages if re.match(r"\S+ AS runtime\s", st)), "")
check(runtime == stages[-1], "the runtime stage must be the Dockerfile's last (default) stage")
check(re.search(r"^USER nonroot", runtime, re.M), "the runtime stage runs as a non-root user")
check(re.search(r'^HEALTHCHECK(?: --\S+)*\s*(?:\\\n\s*)?CMD \["/usr/local/bin/dixie", "healthcheck"\]',
                runtime, re.M),
      "the runtime stage's HEALTHCHECK is `dixie healthcheck`")
check(re.search(r"^EXPOSE 3001$", runtime, re.M), "the runtime stage exposes 3001")
check("DIXIE_HOST=0.0.0.0" in runtime, "the runtime stage listens on all interfaces")

stack = yaml.safe_load(pathlib.Path(compose_path).read_text())
services = stack.get("services", {})
pg = services.get("postgres", {})
check(pg.get("image") == "postgres:16-alpine", "postgres must run postgres:16-alpine")
check("pg_isready" in " ".join(pg.get("healthcheck", {}).get("test", [])),
      "postgres needs a pg_isready health check")
check(any("/var/lib/postgresql/data" in t for t in pg.get("tmpfs", [])),
      "postgres storage must be ephemeral (tmpfs)")
check(not pg.get("volumes"), "postgres must not keep a volume")

dixie = services.get("dixie", {})
env = dixie.get("environment", {})
check("DATABASE_URL" in env and "@postgres:" in env.get("DATABASE_URL", ""),
      "dixie needs DATABASE_URL pointing at the postgres service")
deps = dixie.get("depends_on", {})
check(deps.get("postgres", {}).get("condition") == "service_healthy",
      "dixie must wait for postgres: service_healthy")
check(deps.get("migrate", {}).get("condition") == "service_completed_successfully",
      "dixie must wait for the migration step to complete")
migrate = services.get("migrate", {})
check(migrate.get("command") == ["migrate"], "the migrate service runs `dixie migrate`")
check(migrate.get("environment", {}).get("DATABASE_URL") == env.get("DATABASE_URL"),
      "migrate and dixie must use the same DATABASE_URL")
check("healthcheck" in " ".join(dixie.get("healthcheck", {}).get("test", [])),
      "dixie's health check is `dixie healthcheck`")

for name in ("dixie", "migrate"):
    for var in services.get(name, {}).get("environment", {}):
        check(var in known, f"compose {name}: {var} is not a variable dixie reads")

tf = "\n".join(p.read_text() for p in sorted(pathlib.Path(tf_dir).glob("*.tf")))
tf_env = set(re.findall(r'^\s*([A-Z][A-Z0-9_]*)\s*=', tf, re.M))
tf_env |= set(re.findall(r'"([A-Z][A-Z0-9_]*)"\s*=>', tf))
check({"DATABASE_URL", "DIXIE_JWT_PRIVATE_KEY", "REDIS_URL", "NATS_URL"} <= tf_env,
      "the task definition must set DATABASE_URL, DIXIE_JWT_PRIVATE_KEY, REDIS_URL, NATS_URL")
for var in sorted(tf_env - known):
    errors.append(f"terraform: {var} is not a variable dixie reads")

if errors:
    sys.exit("deploy checks failed:\n  " + "\n  ".join(errors))
print(f"deploy checks: runtime image, compose stack and {len(tf_env)} Terraform env/secret names ok",
      file=sys.stderr)
