#!/usr/bin/env bash
# The VS Code extension's tests: unit tests of the client-side logic (node's test runner, no VS Code),
# the type check, the .vsix build (`vsce package`, the sdls binary bundled), and an end-to-end test
# in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) + playwright-core 1.65.1 + Debian
# chromium (../shared/reference/editor-clients.md §4), driven by e2e.js. The e2e installs the .vsix,
# opens a copy of examples/quickstart (with one typo) in a private HOME without cloud credentials
# and checks: the diagnostic in the Problems panel; the drift lens `local ● not deployed` on
# `hello:` (the server starts the embedded local emulator itself) and the status bar; the lens
# "Deploy (local wins)" → `local ✓ in sync`; the palette deploy picker; the diff the status lens
# opens (window/showDocument); a console change (the official FC Python SDK against the emulator,
# tests/editors/neovim/console_change.py) → palette Refresh Drift → "Pull remote" edits the buffer
# → in sync; another console change → "Deploy (local wins)" asks → "Overwrite remote" → in sync;
# restart from the palette; a wrong sdls.server.path reported with its fix, then recovered; a
# YAML file not named like an s.yaml left alone.
#
# Installs what it needs, idempotently, from the package registries only, into tests/.cache
# (ignored by git): Debian chromium, libkrb5-dev and ripgrep (apt-get, when missing), code-server
# and playwright-core (npm, tests/.cache/vscode), the extension's dev dependencies (npm ci, from
# package-lock.json), the FC Python SDK (tests/.cache/sdk-venv, as tests/sdk/run.sh does).
# No stdin, no TTY, every wait bounded (the e2e: 300 s); kills every process it started
# (code-server and everything under it, chromium, the emulator whose pid is in
# <project>/.s/emulator/lock.json). Prints `vscode: N passed, M failed` last; exits non-zero on
# any failure. Screenshots and logs stay in tests/.cache/vscode/runs/<run>/artifacts.
#
# Environment: SDLS_BIN=/path/to/sdls (default target/debug/sdls, built with `cargo build -p sdls`
# when missing); VSCODE_SCREENSHOTS=1 copies the e2e screenshots into vscode-extension/images/
# (the README's pictures); VSCODE_TEST_KEEP_RUNS (default 3) run folders kept under
# tests/.cache/vscode/runs.
set -euo pipefail
export CI=true
cd "$(dirname "$0")/../../.."
repo="$(pwd -P)"
here="$repo/tests/editors/vscode"
ext="$repo/vscode-extension"
cache="$repo/tests/.cache/vscode"
mkdir -p "$cache"
t_start=$(date +%s)

passed=0
failed=0
summary_printed=0
run_dir=""
tmp_dir=""
summary() {
  if [ "$summary_printed" -eq 0 ]; then
    summary_printed=1
    # a step that died early (an install) counts as one failure at least
    if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    echo "vscode: $passed passed, $failed failed ($(($(date +%s) - t_start)) s)"
  fi
}

# Kill what this run started, by pid: code-server's process group (extension host, sdls serve),
# the driver's process group (chromium is launched in its own group by Playwright: found by the
# run folder in its command line, which only this run's processes have), the emulator from its lock.
kill_pid() { kill -TERM "$1" 2>/dev/null || true; }
cleanup_processes() {
  [ -n "$run_dir" ] || return 0
  local pid cmd
  if [ -f "$run_dir/code-server.pid" ]; then
    pid="$(cat "$run_dir/code-server.pid")"
    kill -TERM -- "-$pid" 2>/dev/null || true
  fi
  for lock in "$run_dir"/ws/*/.s/emulator/lock.json; do
    [ -f "$lock" ] || continue
    pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid",""))' "$lock" 2>/dev/null || true)"
    [ -n "$pid" ] && kill_pid "$pid"
  done
  # anything else whose command line names this run's folder (chromium, renderers, a stray server)
  local left=()
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "$pid" = "$$" ] && continue
    cmd="$(tr '\0' ' ' 2>/dev/null <"$p/cmdline" || true)"
    case "$cmd" in *"$run_dir"*) left+=("$pid") ;; *"${tmp_dir:-/nonexistent-dir}"*) left+=("$pid") ;; esac
  done
  if [ "${#left[@]}" -gt 0 ]; then
    for pid in "${left[@]}"; do kill_pid "$pid"; done
    sleep 1
    for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
}
on_exit() {
  cleanup_processes
  [ -z "$tmp_dir" ] || rm -rf "$tmp_dir"
  # the installed extension holds an unpacked copy of the server (~70 MB): not an artifact
  [ -z "$run_dir" ] || rm -rf "$run_dir/exts"
  summary
}
trap on_exit EXIT
trap 'exit 130' INT TERM

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
timed() { # name, command...: runs it, then prints its duration on stderr
  local name="$1" s e rc=0
  shift
  s=$(date +%s%N)
  "$@" || rc=$?
  e=$(date +%s%N)
  echo "   ($name: $(((e - s) / 1000000)) ms)" >&2
  return "$rc"
}

# --- Debian packages: chromium (the browser), libkrb5-dev + ripgrep (code-server's install) ----------
missing=()
for p in chromium libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q </dev/null
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# npm: an npm cache under tests/.cache (tests/run.sh gives us an empty HOME), no prompts, node-gyp
# with the machine's Node headers (never a download), and no registry URLs in lock files.
export npm_config_cache="$cache/npm-cache"
export npm_config_yes=true
export npm_config_nodedir=/usr
export npm_config_fund=false
export npm_config_audit=false
export npm_config_update_notifier=false
export npm_config_omit_lockfile_registry_resolved=true

# --- code-server 4.100.3 (the newest whose postinstall accepts Node 20) ---------------------------
CS_VER=4.100.3
CS_PREFIX="$cache/code-server-$CS_VER"
cs_bin="$CS_PREFIX/node_modules/.bin/code-server"
if [ ! -x "$cs_bin" ] || [ "$(node -p "require('$CS_PREFIX/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CS_VER" ]; then
  echo "== installing code-server $CS_VER into $CS_PREFIX (about a minute)"
  # @vscode/ripgrep 1.15.11 (pinned by code-server's lib/vscode) takes this file instead of a download
  rg_cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
  rg_tmp="$(mktemp -d)"
  mkdir -p "$rg_cache"
  cp /usr/bin/rg "$rg_tmp/rg"
  tar -C "$rg_tmp" -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  rm -rf "$rg_tmp"
  env npm_config_build_from_source=true \
    npm install --prefix "$CS_PREFIX" "code-server@$CS_VER" --unsafe-perm --no-audit --no-fund </dev/null
fi

# --- playwright-core (the driver; downloads no browser) -------------------------------------------
driver="$cache/driver"
if [ "$(node -p "require('$driver/node_modules/playwright-core/package.json').version" 2>/dev/null)" != "1.65.1" ]; then
  echo "== installing playwright-core 1.65.1 into $driver"
  mkdir -p "$driver"
  npm install --prefix "$driver" --no-save playwright-core@1.65.1 </dev/null
fi

# --- the official FC 3.0 Python SDK: the teammate's console change of the pull scenario ----------
# (the venv tests/sdk/run.sh installs; installed the same way when missing or incomplete)
sdk_venv="$repo/tests/.cache/sdk-venv"
sdk_ok() {
  [ -x "$sdk_venv/bin/python" ] && "$sdk_venv/bin/python" -c \
    'import alibabacloud_fc20230330.client, alibabacloud_tea_openapi.models' </dev/null 2>/dev/null
}
if ! sdk_ok; then
  echo "== installing the official FC Python SDK into $sdk_venv (tests/sdk/requirements.txt)"
  [ -x "$sdk_venv/bin/python" ] || python3 -m venv "$sdk_venv"
  "$sdk_venv/bin/pip" install -q --disable-pip-version-check -r "$repo/tests/sdk/requirements.txt" </dev/null
  sdk_ok || { echo "tests/editors/vscode: the FC Python SDK does not import from $sdk_venv" >&2; exit 1; }
fi

# --- the extension's dependencies (npm ci when package-lock.json changed) -------------------------
lock_sum="$(sha256sum "$ext/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$ext/node_modules/.sdls-lock-sum" ] || [ "$(cat "$ext/node_modules/.sdls-lock-sum")" != "$lock_sum" ]; then
  echo "== npm ci in vscode-extension"
  (cd "$ext" && npm ci --no-audit --no-fund </dev/null)
  echo "$lock_sum" >"$ext/node_modules/.sdls-lock-sum"
fi

# --- the server binary -------------------------------------------------------------------------------
if [ -n "${SDLS_BIN:-}" ]; then
  [ -x "$SDLS_BIN" ] || { echo "tests/editors/vscode: SDLS_BIN=$SDLS_BIN is not an executable file" >&2; exit 1; }
  bin="$(cd "$(dirname "$SDLS_BIN")" && pwd -P)/$(basename "$SDLS_BIN")"
else
  bin="$repo/target/debug/sdls"
  if [ ! -x "$bin" ]; then
    echo "== building target/debug/sdls"
    cargo build -p sdls </dev/null
  fi
fi

# --- the run folder (artifacts kept; older runs pruned) ------------------------------------------------
mkdir -p "$cache/runs"
keep="${VSCODE_TEST_KEEP_RUNS:-3}"
# shellcheck disable=SC2012
{ ls -1d "$cache"/runs/run-* 2>/dev/null || true; } | sort | head -n "-$((keep > 0 ? keep - 1 : 0))" | while read -r old; do rm -rf "$old"; done
run_dir="$cache/runs/run-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$run_dir/artifacts"

# --- (a) unit tests + type check ----------------------------------------------------------------------
echo "== unit tests (vscode-extension/test, node --test)"
set +e
(cd "$ext" && rm -rf out-test && npx --no-install tsc -p tsconfig.test.json) >"$run_dir/artifacts/unit-build.log" 2>&1
build_status=$?
if [ "$build_status" -eq 0 ]; then
  (cd "$ext" && node --test --test-reporter=tap out-test/test/) >"$run_dir/artifacts/unit.tap" 2>&1
  unit_status=$?
else
  unit_status=$build_status
fi
set -e
if [ "$build_status" -ne 0 ]; then
  cat "$run_dir/artifacts/unit-build.log"
  failed=$((failed + 1))
  echo "FAIL unit tests: they do not compile"
else
  grep -E '^# Subtest: |^not ok ' "$run_dir/artifacts/unit.tap" | sed 's/^# Subtest: /   /' || true
  u_pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$run_dir/artifacts/unit.tap" | tail -1)"
  u_fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$run_dir/artifacts/unit.tap" | tail -1)"
  passed=$((passed + ${u_pass:-0}))
  failed=$((failed + ${u_fail:-0}))
  if [ "$unit_status" -ne 0 ] && [ "${u_fail:-0}" -eq 0 ]; then failed=$((failed + 1)); cat "$run_dir/artifacts/unit.tap"; fi
  [ "${u_fail:-0}" -eq 0 ] || grep -A15 '^not ok' "$run_dir/artifacts/unit.tap" || true
  echo "unit: ${u_pass:-0} passed, ${u_fail:-0} failed"
fi

echo "== type check (tsc --noEmit)"
if (cd "$ext" && npx --no-install tsc -p . --noEmit); then
  passed=$((passed + 1)); echo "PASS type check"
else
  failed=$((failed + 1)); echo "FAIL type check"
fi

# --- (b) the .vsix, with the server bundled ---------------------------------------------------------
echo "== vsce package (with $bin bundled, debug sections stripped)"
vsix="$run_dir/sdls.vsix"
platform="$(node -p 'process.platform + "-" + process.arch')"
if timed package node "$ext/scripts/package.mjs" --server "$bin" --strip --out "$vsix" </dev/null >"$run_dir/artifacts/package.log" \
  && unzip -l "$vsix" >"$run_dir/artifacts/vsix-files.txt" \
  && grep -q "extension/server/$platform/sdls" "$run_dir/artifacts/vsix-files.txt"; then
  passed=$((passed + 1))
  echo "PASS vsix: $(du -h "$vsix" | cut -f1) $vsix"
else
  failed=$((failed + 1))
  echo "FAIL vsix"
  cat "$run_dir/artifacts/package.log"
  exit 1
fi

# --- (c) the e2e in code-server --------------------------------------------------------------------------
echo "== e2e: code-server $CS_VER + chromium, the .vsix installed, examples/quickstart"
mkdir -p "$run_dir/user/User" "$run_dir/exts" "$run_dir/ws" "$run_dir/home"
cat >"$run_dir/user/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "editor.codeLens": true,
  "files.autoSave": "off",
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "chat.commandCenter.enabled": false,
  "workbench.colorTheme": "Default Light Modern",
  "sdls.trace.server": "verbose"
}
JSON
ws="$run_dir/ws/quickstart"
cp -r "$repo/examples/quickstart" "$ws"
rm -rf "$ws/.s"
# one known diagnostic: `memorySzie` (unknown property, a warning) in the hello function
python3 - "$ws/s.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
anchor = "      diskSize: 512\n"
assert anchor in s, "examples/quickstart/s.yaml changed: no `diskSize: 512` line"
open(p, "w", encoding="utf-8").write(s.replace(anchor, anchor + "      memorySzie: 512\n", 1))
PY
# a YAML that looks like an s.yaml inside but is not named like one: the extension leaves it alone
cat >"$ws/other.yaml" <<'YAML'
edition: 3.0.0
name: other
resources:
  other:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: other
      runtime: python3.10
      memorySzie: 512
YAML

# private HOME, no cloud credentials: the server's `auto` remote is the embedded local emulator
unset AccountID AccessKeyID AccessKeySecret FC_CLIENT_CUSTOM_ENDPOINT SDLS_REMOTE 2>/dev/null || true
for v in $(compgen -e | grep '^ALIBABA_CLOUD_' || true); do unset "$v"; done
export HOME="$run_dir/home" XDG_CONFIG_HOME="$run_dir/xdg-config" XDG_DATA_HOME="$run_dir/xdg-data" \
  XDG_CACHE_HOME="$run_dir/xdg-cache"

set +e
timed install-extension timeout 120 "$cs_bin" --user-data-dir "$run_dir/user" --extensions-dir "$run_dir/exts" \
  --install-extension "$vsix" </dev/null >"$run_dir/artifacts/install-extension.log" 2>&1
inst_status=$?
set -e
if [ "$inst_status" -ne 0 ]; then
  cat "$run_dir/artifacts/install-extension.log"
  failed=$((failed + 1))
  echo "FAIL install the .vsix into code-server"
  exit 1
fi
passed=$((passed + 1))
echo "PASS install the .vsix into code-server ($(grep -o 'Extension .* was successfully installed.' "$run_dir/artifacts/install-extension.log" || true))"

set +e
# a short temp folder: chromium's singleton socket path must fit in 108 bytes
tmp_dir="$(mktemp -d /tmp/sdls-vscode.XXXXXX)"
E2E_SDK_PYTHON="$sdk_venv/bin/python" E2E_CONSOLE_CHANGE="$repo/tests/editors/neovim/console_change.py" \
  TMPDIR="$tmp_dir" E2E_TMP="$tmp_dir" E2E_DRIVER_DIR="$driver" E2E_CODE_SERVER="$cs_bin" E2E_RUN="$run_dir" E2E_WS="$ws" \
  timeout -k 10 300 setsid node "$here/e2e.js" </dev/null 2>&1 | tee "$run_dir/artifacts/e2e.log"
e2e_status=${PIPESTATUS[0]}
set -e
e_pass="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$run_dir/artifacts/e2e.log" | tail -1)"
e_fail="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$run_dir/artifacts/e2e.log" | tail -1)"
if [ -z "$e_pass" ]; then
  e_pass=0
  e_fail=1
  echo "FAIL e2e: no summary line (exit $e2e_status)"
fi
if [ "$e2e_status" -ne 0 ] && [ "$e_fail" -eq 0 ]; then e_fail=1; fi
passed=$((passed + e_pass))
failed=$((failed + e_fail))

cleanup_processes
# the emulator must be gone
for lock in "$run_dir"/ws/*/.s/emulator/lock.json; do
  [ -f "$lock" ] || continue
  pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid",""))' "$lock" 2>/dev/null || true)"
  for _ in 1 2 3 4 5 6; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
done

if [ "${VSCODE_SCREENSHOTS:-}" = "1" ]; then
  mkdir -p "$ext/images"
  cp "$run_dir"/artifacts/[0-9]-*.png "$ext/images/" 2>/dev/null || true
  echo "copied the screenshots into vscode-extension/images/"
fi
echo "artifacts (screenshots, logs): $run_dir/artifacts"
[ "$failed" -eq 0 ]
