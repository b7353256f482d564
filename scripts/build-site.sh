#!/usr/bin/env bash
# Builds the debug site the browser tests load (target/e2e-site) with plain cargo and wasm-bindgen,
# as `cargo leptos build` would: the hydrating wasm bundle and its JavaScript glue in pkg/, the
# stylesheet as pkg/postmortem.css and the public assets at the root. It has a directory of its own,
# so the browser tests leave the site of `make release` or `make run` (target/site) as it was. The
# server binary the tests start is the one `cargo test --workspace` builds, so the browser tests
# need no second server build.
# Without cargo-leptos's compile-time LEPTOS_OUTPUT_NAME, Leptos loads the bundle as
# pkg/postmortem_bg.wasm, which is the name wasm-bindgen gives it.
set -euo pipefail
cd "$(dirname "$0")/.."

site=target/e2e-site
cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate
rm -rf "$site"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name postmortem \
  target/wasm32-unknown-unknown/debug/app.wasm
cp style/main.css "$site/pkg/postmortem.css"
cp -r public/. "$site/"
