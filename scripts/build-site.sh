#!/usr/bin/env bash
# Builds a site (the hydrating wasm bundle and its JavaScript glue in pkg/, the stylesheet as
# pkg/postmortem.css and the public assets at the root) with plain cargo and wasm-bindgen, as
# `cargo leptos build` would, into a directory of its own so the site of `make run` (target/site)
# stays as it was:
#   scripts/build-site.sh          the debug site the browser tests load (target/e2e-site); the
#                                  server they start is the one `cargo test --workspace` builds;
#   scripts/build-site.sh release  the optimised site the benchmarks load (target/release-site):
#                                  the wasm-release profile, then `wasm-opt -Oz` (npm binaryen).
# Without cargo-leptos's compile-time LEPTOS_OUTPUT_NAME, the server is started with
# LEPTOS_OUTPUT_NAME=postmortem, the name wasm-bindgen gives the bundle here.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-debug}
case $mode in
  debug) site=target/e2e-site; profile=dev; out=debug ;;
  release) site=target/release-site; profile=wasm-release; out=wasm-release ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac
cargo build -p frontend --target wasm32-unknown-unknown --profile "$profile"
rm -rf "$site"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name postmortem \
  "target/wasm32-unknown-unknown/$out/frontend.wasm"
if [[ $mode == release ]]; then
  if ! command -v wasm-opt >/dev/null; then
    mkdir -p .tools && npm install --prefix .tools --no-save --no-audit --no-fund binaryen@132 >/dev/null
  fi
  # The features rustc's wasm32 target emits by default.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$site/pkg/postmortem_bg.wasm" "$site/pkg/postmortem_bg.wasm"
fi
cp style/main.css "$site/pkg/postmortem.css"
cp -r public/. "$site/"
