#!/usr/bin/env bash
# Compares sdls's language server with yaml-language-server 1.25.0 (DECISIONS D10) on generated
# s.yaml files of 10 / 1,000 / 5,000 fc3 functions, with one minimal LSP client (tests/lsp-bench).
#
#   tests/bench/lsp-compare.sh                 # everything; results in tests/.cache/lsp-bench/
#   FUNCTIONS=10,1000 ITERATIONS=10 tests/bench/lsp-compare.sh
#   NO_DELAY=1 tests/bench/lsp-compare.sh      # also a copy of yaml-language-server patched to
#                                              # publish without its fixed 200 ms delay
#   SKIP_SDLS=1 tests/bench/lsp-compare.sh     # yaml-language-server only
#   SDLS_BIN=path/to/sdls tests/bench/lsp-compare.sh   # use that binary, do not build sdls
#
# Installs yaml-language-server@1.25.0 with npm into tests/.cache/yaml-ls (Node 20), builds
# `sdls` and the harness in release mode, runs the harness and writes results.md / results.json.
# Bounded: every wait has a timeout (TIMEOUT_SECS) and every repeated phase a time budget
# (PHASE_BUDGET_SECS); the servers are shut down and killed at the end of each run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

FUNCTIONS="${FUNCTIONS:-10,1000,5000}"
ITERATIONS="${ITERATIONS:-30}"
PHASE_BUDGET_SECS="${PHASE_BUDGET_SECS:-90}"
TIMEOUT_SECS="${TIMEOUT_SECS:-60}"
OUT="${OUT:-$ROOT/tests/.cache/lsp-bench}"
YAML_LS_VERSION=1.25.0
YAML_LS_DIR="$ROOT/tests/.cache/yaml-ls"
YAML_LS_PKG="$YAML_LS_DIR/node_modules/yaml-language-server"

export npm_config_yes=true
export CARGO_TERM_COLOR=never

installed_version() {
  node -p "require('$YAML_LS_PKG/package.json').version" 2>/dev/null || true
}

if [ "$(installed_version)" != "$YAML_LS_VERSION" ]; then
  echo "== installing yaml-language-server@$YAML_LS_VERSION into $YAML_LS_DIR" >&2
  mkdir -p "$YAML_LS_DIR"
  [ -f "$YAML_LS_DIR/package.json" ] || echo '{"name":"yaml-ls-bench","private":true}' >"$YAML_LS_DIR/package.json"
  npm install --prefix "$YAML_LS_DIR" --no-audit --no-fund --loglevel=error \
    "yaml-language-server@$YAML_LS_VERSION" >&2
fi
if [ "$(installed_version)" != "$YAML_LS_VERSION" ]; then
  echo "lsp-compare.sh: yaml-language-server $YAML_LS_VERSION is not installed in $YAML_LS_DIR" >&2
  exit 1
fi
echo "== $(node --version), yaml-language-server $(installed_version)" >&2

servers=()
if [ -z "${SKIP_SDLS:-}" ]; then
  if [ -n "${SDLS_BIN:-}" ]; then
    SDLS_BIN="$(realpath "$SDLS_BIN")"
  else
    echo "== cargo build --release -p sdls" >&2
    cargo build --release -p sdls >&2
    SDLS_BIN="$ROOT/target/release/sdls"
  fi
  if "$SDLS_BIN" serve --help >/dev/null 2>&1; then
    servers+=(--server "$SDLS_BIN serve --stdio" --name sdls)
  else
    echo "lsp-compare.sh: $SDLS_BIN has no working \`serve\` subcommand; benchmarking yaml-language-server only" >&2
  fi
fi
servers+=(--server "node $YAML_LS_PKG/bin/yaml-language-server --stdio" --name yaml-language-server)

if [ -n "${NO_DELAY:-}" ]; then
  # A private copy with the constant `validationDelayMs = 200` set to 0 (peers.md §1.6).
  NO_DELAY_DIR="$ROOT/tests/.cache/yaml-ls-nodelay"
  rm -rf "$NO_DELAY_DIR"
  mkdir -p "$NO_DELAY_DIR"
  cp -r "$YAML_LS_DIR/node_modules" "$NO_DELAY_DIR/"
  settings_js="$NO_DELAY_DIR/node_modules/yaml-language-server/out/server/src/yamlSettings.js"
  sed -i 's/this\.validationDelayMs = 200;/this.validationDelayMs = 0;/' "$settings_js"
  grep -q 'this.validationDelayMs = 0;' "$settings_js" || {
    echo "lsp-compare.sh: could not patch $settings_js" >&2
    exit 1
  }
  servers+=(--server "node $NO_DELAY_DIR/node_modules/yaml-language-server/bin/yaml-language-server --stdio"
    --name "yaml-language-server, delay patched to 0" --delay "yaml-language-server, delay patched to 0=0")
fi

echo "== cargo build --release -p lsp-bench" >&2
cargo build --release -p lsp-bench >&2

mkdir -p "$OUT"
"$ROOT/target/release/lsp-bench" "${servers[@]}" \
  --functions "$FUNCTIONS" --iterations "$ITERATIONS" \
  --phase-budget-secs "$PHASE_BUDGET_SECS" --timeout-secs "$TIMEOUT_SECS" \
  --out "$OUT/results.md" --json "$OUT/results.json"
echo "== results: $OUT/results.md, $OUT/results.json" >&2
