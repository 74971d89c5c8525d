"""A teammate's console change, made through the official FC 3.0 Python SDK against the
embedded local emulator that sdls started for a project (the drift-pull scenario of
scenario.lua runs it with tests/.cache/sdk-venv's python).

    python console_change.py <project folder> <function name> <memorySize>

Reads <project>/.s/emulator/lock.json (written by `sdls emulator --lock-file`: url, pid,
accountId, accessKeyId, accessKeySecret; see server/ops/src/embedded.rs) and calls
UpdateFunction(functionName, memorySize) with a direct-mode client built exactly like
tests/sdk/conftest.py's (endpoint = the emulator's host:port, region cn-hangzhou, http).
Prints one line with what the SDK answered; exits non-zero on any failure."""

import json
import os
import sys
from urllib.parse import urlsplit

from alibabacloud_fc20230330 import models as m
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import models as open_api_models


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: console_change.py <project folder> <function name> <memorySize>")
    project, name, memory = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lock_path = os.path.join(project, ".s", "emulator", "lock.json")
    with open(lock_path, encoding="utf-8") as f:
        lock = json.load(f)
    url = urlsplit(lock["url"])
    if url.hostname not in ("127.0.0.1", "localhost", "::1") or not url.port:
        sys.exit(f"{lock_path}: not a loopback emulator url: {lock['url']}")
    # Nothing may leave the machine: no proxy settings from the environment.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(var, None)
    config = open_api_models.Config(
        access_key_id=lock["accessKeyId"],
        access_key_secret=lock["accessKeySecret"],
        region_id="cn-hangzhou",
        protocol="http",
        read_timeout=30000,
        connect_timeout=5000,
        endpoint=url.netloc,
    )
    client = Client(config)
    body = m.UpdateFunctionInput(memory_size=memory)
    answer = client.update_function(name, m.UpdateFunctionRequest(body=body)).body
    if answer.memory_size != memory:
        sys.exit(f"UpdateFunction answered memorySize {answer.memory_size}, expected {memory}")
    print(f"UpdateFunction {name} memorySize={answer.memory_size} on {url.netloc} "
          f"(account {lock['accountId']})")


if __name__ == "__main__":
    main()
