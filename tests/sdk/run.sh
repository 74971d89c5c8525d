#!/usr/bin/env bash
# The official-SDK conformance suite: installs the pinned official FC 3.0 Python SDK into a
# virtual environment under tests/.cache, starts `sdls emulator` on 127.0.0.1 with a fresh data
# directory and known local credentials, runs the pytest suite against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=tests/.cache/sdk-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r tests/sdk/requirements.txt

cargo build -q -p sdls --locked
data=$(mktemp -d)
log=$(mktemp)
ak=LTAIsdlsConformance
sk=conformance-local-secret-0123456789
account=1000000000000001
./target/debug/sdls emulator --listen 127.0.0.1:0 --data "$data" --access-key-id "$ak" --access-key-secret "$sk" --account-id "$account" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 100); do
  if grep -q "listening on http://" "$log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "sdls emulator exited" >&2; exit 1; fi
  sleep 0.1
done
hostport=$(grep -o "listening on http://[0-9.:]*" "$log" | head -1 | sed 's#listening on http://##')
[ -n "$hostport" ] || { cat "$log" >&2; echo "sdls emulator did not start" >&2; exit 1; }

# Nothing may leave the machine: no proxy settings from the environment.
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy NO_PROXY no_proxy
# test_drift_mutations.py runs `sdls plan` (the binary built above) against the same emulator.
SDLS_EMULATOR_HOSTPORT="$hostport" SDLS_EMULATOR_AK="$ak" SDLS_EMULATOR_SK="$sk" \
  SDLS_EMULATOR_ACCOUNT_ID="$account" SDLS_BIN="$PWD/target/debug/sdls" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/sdk
