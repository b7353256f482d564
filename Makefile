# The two commands of the README (`make run`, `make test`) and the set-up they share.
# Every step installs what it needs only when it is missing, so running them again is cheap.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/.tools/node_modules/.bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p}' Cargo.lock)
BINARYEN_VERSION := 132

.PHONY: run test deps deps-wasm deps-build deps-test check lint unit e2e faults soak release bench bench-incidents bench-dashboard bench-gate bench-backtest bench-postmortem bench-problems bench-github clean-data

## make run: build and serve the app on http://127.0.0.1:3000 with SQLite and demo data.
run: deps-build
	@echo "Building and starting Postmortem on http://127.0.0.1:3000 (SQLite in ./data, demo data on first start)"
	@# A release build's compressed copies would be sent instead of the development bundle.
	rm -f target/site/pkg/*.br target/site/pkg/*.gz
	SEED_DEMO=$${SEED_DEMO:-true} cargo leptos serve

## make test: formatting, lints, unit and integration tests (SQLite and PostgreSQL), browser tests
## (SQLite, then once more with the demo instance on PostgreSQL).
test: deps-test lint unit e2e
	@echo "All checks passed."

lint:
	cargo fmt --all --check
	@# The feature sets that are built: the host (the server with app's ssr) and the browser bundle.
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p shared -p app -p frontend --target wasm32-unknown-unknown -- -D warnings

unit:
	scripts/with-postgres.sh cargo test --workspace

e2e: deps-test
	cargo test --workspace --no-run
	scripts/build-site.sh
	scripts/e2e.sh
	@# Once more with the demo instance on PostgreSQL (the engine of several app instances).
	E2E_ENGINE=postgres scripts/with-postgres.sh scripts/e2e.sh

## make faults: the fault suite (scripts/faults.py): kill -9 of the server during alert deliveries,
## meeting saves and a GitHub sync run (nothing lost or doubled after the restart), PostgreSQL
## restarted under load (fast 5xx and 503 from /readyz, then recovery), SQLite on a full disk (a
## small tmpfs; needs root). About 3 minutes after the build; `scripts/faults.py disk` runs one.
faults: deps-test
	cargo test --workspace --no-run
	scripts/faults.py

## make soak: 200 signed-in people for 60 s on PostgreSQL (pages, lists, saves, new alerts) and a
## live meeting of 50 (scripts/soak.py): errors, p50/p99 per request type, live delivery and server
## memory. About 3 minutes after the build; SOAK_PEOPLE, SOAK_FOLLOWERS, SOAK_SECONDS change it.
soak: deps-test
	cargo test --workspace --no-run
	scripts/soak.py

## make release: an optimised build (server binary and wasm bundle) in target/release and target/site,
## with the bundle, its script and the stylesheet also stored gzipped and brotli-compressed, which the
## server sends as they are instead of compressing them on every download.
release: deps-build
	@if ! command -v wasm-opt >/dev/null; then \
	  mkdir -p .tools && npm install --prefix .tools --no-save --no-audit --no-fund binaryen@$(BINARYEN_VERSION); fi
	cargo leptos build --release --precompress
	@# cargo-leptos gzips at a fast level; gzip -9 makes the bundle a fifth smaller for gzip-only clients.
	@for f in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do gzip -9 -c "$$f" >"$$f.gz"; done

## make bench: load figures (wrk on loopback) for pages and server functions of a release build.
bench: release
	scripts/bench.sh

## make bench-incidents: 1,000,000 seeded incidents; list latency (SSR and server function, first, deep
## and filtered pages) on SQLite and PostgreSQL, and alert intake throughput on SQLite: new alerts
## (each delivery a new group, opening an incident) as the headline, then duplicates. About 5 minutes
## after the build; BENCH_SECONDS=3 shortens each run, BENCH_ENGINES=sqlite skips PostgreSQL.
bench-incidents:
	cargo build --release -p server
	scripts/bench-incidents.sh

## make bench-dashboard: the same 1,000,000 incidents plus about 200,000 action items; the dashboard
## for 90 days (server function and page) on SQLite and PostgreSQL, p99 of the server's time per
## request (target < 200 ms). Needs only the release server binary; about 10 minutes after the build.
bench-dashboard:
	cargo build --release -p server
	BENCH_MODE=dashboard scripts/bench-incidents.sh

## make bench-gate: the same 1,000,000 incidents plus 10,000 changes and 200 guardrails; the change gate
## (POST /api/v1/changes) on SQLite and PostgreSQL: new changes, each decided by the Rego policy and
## stored (the headline), then repeats of changes already decided. Targets: p99 < 10 ms and
## >= 1,000 decisions/s. About 8 minutes after the build.
bench-gate:
	cargo build --release -p server
	BENCH_MODE=gate scripts/bench-incidents.sh

## make bench-backtest: a backtest of the default policy over 10,000 changes of the last 90 days
## (each with its input document: open incidents, overdue pipeline tests, 20 paths, 40 guardrails),
## on SQLite. Target: under 5 s.
bench-backtest:
	cargo bench -p backend --bench backtest

## make bench-postmortem: a large postmortem's server-side render against the same bytes served
## statically (the ceiling): rendered for every request (the headline), as served while someone
## keeps saving (every 100 ms at most), and remembered while nobody writes; live fan-out to 100 participants
## (delivery p50/p99, server memory), and the gzipped release wasm bundle (built with cargo,
## wasm-bindgen and wasm-opt: no cargo-leptos needed). About 2 minutes after the build;
## BENCH_SECONDS shortens each run, BENCH_CLIENTS sets the participants (100) and BENCH_PEOPLE how
## many people they are (as many).
bench-postmortem: deps-wasm
	cargo build --release -p server -p live-fanout
	scripts/build-site.sh release
	scripts/bench-postmortem.sh

## make bench-problems: recurrence grouping (suggested problems) over 10,000 to 100,000 incidents,
## with criterion; the per-incident time shows whether it grows linearly. About 2 minutes.
bench-problems:
	cargo bench -p shared --bench recurrence

## make bench-github: 1,000 action items synced to the fake GitHub with no faults and with 10 % of
## writes failing in each fault mode (write calls per item, duplicates, lost items), then the time
## per write with a pace set. About 5 minutes after the build.
bench-github:
	cargo bench -p server --bench github_sync

deps: deps-build deps-test

# The wasm target and the wasm-bindgen CLI that matches Cargo.lock: all the browser tests need.
deps-wasm:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if [[ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]]; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) to match Cargo.lock"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi

# cargo-leptos, for `make run` (rebuild on change) and the release builds.
deps-build: deps-wasm
	@if [[ "$$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $(CARGO_LEPTOS_VERSION)" ]]; then \
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 15 minutes, once)"; \
	  cargo install --locked cargo-leptos --version $(CARGO_LEPTOS_VERSION); fi

deps-test: deps-wasm
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [[ -n "$$missing" ]]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@if [[ ! -f end2end/node_modules/.package-lock.json || end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then \
	  cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; fi

clean-data:
	rm -rf data
