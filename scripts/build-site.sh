#!/usr/bin/env bash
# Builds the debug site the browser tests load (target/site) with plain cargo and wasm-bindgen, as
# `cargo leptos build` would: the hydrating wasm bundle and its JavaScript glue in target/site/pkg,
# the stylesheet as pkg/postmortem.css and the public assets at the root. The server binary the tests
# start is the one `cargo test --workspace` builds, so the browser tests need no second server build.
# Without cargo-leptos's compile-time LEPTOS_OUTPUT_NAME, Leptos loads the bundle as
# pkg/postmortem_bg.wasm, which is the name wasm-bindgen gives it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate
# A release build leaves brotli and gzip copies here, which the server would prefer to these files.
rm -rf target/site/pkg
mkdir -p target/site/pkg
wasm-bindgen --target web --no-typescript --out-dir target/site/pkg --out-name postmortem \
  target/wasm32-unknown-unknown/debug/app.wasm
cp style/main.css target/site/pkg/postmortem.css
cp -r public/. target/site/
