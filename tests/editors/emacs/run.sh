#!/usr/bin/env bash
# Real-editor test: Emacs 28.2 + Eglot 1.9 (Debian packages) run headless (`emacs -Q --batch`)
# against `sdls serve --stdio`, with the repository's own emacs/sdls-eglot.el. Installs what it
# needs (idempotently), no stdin, every editor run under a hard timeout. Prints one PASS/FAIL
# line per scenario, then "emacs editors: N passed, M failed"; exits non-zero on any failure.
#
# Environment: SDLS_BIN=/path/to/sdls (default: target/debug/sdls, built if missing);
# EMACS_TIMEOUT (seconds per editor run, 60).
set -euo pipefail
export CI=true
cd "$(dirname "$0")/../../.."
repo="$(pwd -P)"
here="$repo/tests/editors/emacs"
scenarios=(fix-block fix-multibyte other-yaml)
passed=0
failed=0
done_summary=0
summary() {
  if [ "$done_summary" -eq 0 ]; then
    done_summary=1
    if [ $((passed + failed)) -lt "${#scenarios[@]}" ]; then failed=$((${#scenarios[@]} - passed)); fi
    echo "emacs editors: $passed passed, $failed failed"
  fi
}
work="$(mktemp -d)"
trap 'summary; rm -rf "$work"' EXIT

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
packages=(emacs-nox elpa-eglot elpa-yaml-mode)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
    as_root apt-get update -q </dev/null
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  fi
fi

bin="${SDLS_BIN:-$repo/target/debug/sdls}"
if [ ! -x "$bin" ]; then
  echo "== building target/debug/sdls"
  cargo build -p sdls --locked </dev/null
fi
bin="$(cd "$(dirname "$bin")" && pwd -P)/$(basename "$bin")"

fixture="$repo/../shared/corpus/s-yaml/devsapp__agentcraft__src__s.yaml"
[ -f "$fixture" ] || { echo "tests/editors/emacs: the shared corpus is missing: $fixture" >&2; exit 1; }
# Fixtures as in the Neovim tests: a typo'd key in a block, and one after `中文😀` on the same line.
python3 - "$fixture" "$work" <<'PY'
import os, shlex, sys
src, out = sys.argv[1], sys.argv[2]
lines = open(src, encoding="utf-8").read().split("\n")
def write(rel, ls):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w", encoding="utf-8").write("\n".join(ls))
env = {}
good = "      memorySize: 3072"
i = lines.index(good)
block = list(lines); block[i] = good.replace("memorySize", "memorySzie")
write("block/s.yaml", block)
env["fix-block"] = dict(TEST_FILE=f"{out}/block/s.yaml", EXPECT_LINE=str(i), EXPECT_BEFORE=block[i],
                        EXPECT_AFTER=good, EXPECT_TITLE="Rename to `memorySize`", SCENARIO="fix")
start = lines.index("      customRuntimeConfig:")
end = lines.index("        port: 8000")
good = "      customRuntimeConfig: { command: [python3, '-u', app/main.py, 中文😀], port: 8000 }"
mb = lines[:start] + [good.replace("port:", "prot:")] + lines[end + 1:]
write("multibyte/s.yaml", mb)
env["fix-multibyte"] = dict(TEST_FILE=f"{out}/multibyte/s.yaml", EXPECT_LINE=str(start), EXPECT_BEFORE=mb[start],
                            EXPECT_AFTER=good, EXPECT_TITLE="Rename to `port`", SCENARIO="fix")
write("other/docker-compose.yml", ["services:", "  web:", "    image: nginx:1.25", "    memorySzie: 512", ""])
env["other-yaml"] = dict(TEST_FILE=f"{out}/other/docker-compose.yml", SCENARIO="other-yaml")
for name, e in env.items():
    with open(os.path.join(out, name + ".env"), "w", encoding="utf-8") as f:
        for k, v in e.items():
            f.write(f"export {k}={shlex.quote(v)}\n")
PY

for s in "${scenarios[@]}"; do
  started=$(date +%s%N)
  set +e
  out="$(
    # shellcheck disable=SC1090
    source "$work/$s.env"
    HOME="$work/home" SDLS_REPO="$repo" SDLS_BIN="$bin" \
      setsid timeout "${EMACS_TIMEOUT:-60}" emacs -Q --batch -l "$here/eglot-test.el" </dev/null 2>"$work/$s.stderr"
  )"
  status=$?
  set -e
  ms=$(( ($(date +%s%N) - started) / 1000000 ))
  if [ "$status" -eq 0 ]; then
    echo "PASS emacs-28.2/eglot-1.9 $s ($ms ms)"
    passed=$((passed + 1))
  else
    echo "FAIL emacs-28.2/eglot-1.9 $s (status $status, $ms ms): $out"
    tail -20 "$work/$s.stderr" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
summary
[ "$failed" -eq 0 ]
