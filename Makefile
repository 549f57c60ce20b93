# Dixie — every developer and CI entry point. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help run quickstart test lint fmt openapi bench e2e deploy-lint migrate keygen

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## the server on its defaults (memory store, generated dev key, sample corpus); without FINN_URL, with the Finn stand-in
	deploy/local/run.sh

quickstart: ## in a second terminal while `make run` runs: sign in, chat, stream, reputation — each HTTP call printed
	$(CARGO) run --quiet -p dixie-e2e --bin quickstart

test: ## the whole suite with real PostgreSQL, Redis and NATS (the variable, else the local service, else a throwaway one)
	DATABASE_URL="$$(tests/scripts/ensure-postgres.sh)" REDIS_URL="$$(tests/scripts/ensure-redis.sh)" \
	  NATS_URL="$$(tests/scripts/ensure-nats.sh)" $(CARGO) test --all-targets

lint: ## rustfmt check + clippy with warnings as errors (the service and the e2e suite)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## format the code
	$(CARGO) fmt --all

openapi: ## regenerate openapi/openapi.json and .yaml from the code
	$(CARGO) run --quiet --bin dixie -- openapi json > openapi/openapi.json
	$(CARGO) run --quiet --bin dixie -- openapi yaml > openapi/openapi.yaml

bench: ## wrk load on release builds (req/s, p50, p99, RSS) + criterion auth benches
	tests/bench/run.sh

e2e: ## PostgreSQL + Finn stand-in + release dixie on loopback, the E2E suite around a restart, Swagger UI in Chromium
	tests/e2e/run.sh

deploy-lint: ## checkov over deploy/ (Dockerfile, Terraform), installed into target/tools on first use
	deploy/lint.sh

migrate: ## apply the embedded migrations to DATABASE_URL
	$(CARGO) run --quiet --bin dixie -- migrate

keygen: ## print a new ES256 (P-256) PKCS#8 private key for DIXIE_JWT_PRIVATE_KEY
	$(CARGO) run --quiet --bin dixie -- keygen
