# Breakwater — every developer and CI entry point.
SHELL := /bin/bash
.DEFAULT_GOAL := help
TSX := node --import tsx

.PHONY: help deps gen gen-check lint typecheck unit test demo bench build certs clean

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

deps: ## Install npm packages, nats-server and kcat when missing
	@bash scripts/ensure-deps.sh

gen: deps ## Regenerate protobuf code from proto/
	node scripts/gen-proto.mjs

gen-check: deps ## Fail when generated code is out of date with proto/
	@node scripts/gen-proto.mjs >/dev/null && git diff --exit-code --stat -- libs/proto/src \
	  || (echo "generated code is stale: run 'make gen' and commit" >&2; exit 1)

lint: deps ## Biome (format + lint), buf lint, and no merge-conflict markers in tracked files
	npx biome check .
	npx buf lint
	@! git grep -nE '^(<<<<<<<|>>>>>>>) ' -- . ':!package-lock.json' || (echo "merge-conflict markers in tracked files" >&2; exit 1)

typecheck: deps ## Strict TypeScript over every package, and the dashboard's page against the DOM
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p services/dashboard/src/page/tsconfig.json --noEmit

unit: deps ## Unit and integration tests (start their own nats-server)
	npx vitest run

test: lint typecheck gen-check unit ## Everything CI runs

demo: deps ## Run the whole system on a scripted crash and write a report
	$(TSX) e2e/demo/main.ts

bench: deps ## Benchmarks with same-run baselines; results in bench/results/
	$(TSX) bench/run.ts

certs: deps ## Development CA and certificates (services, venues, operators) in .certs/ (git-ignored)
	$(TSX) scripts/dev-certs.ts --out .certs

build: deps ## Bundle each service into dist/ for container images
	node scripts/build.mjs

clean: ## Remove build output and demo state
	rm -rf dist .demo
