"""Field accuracy of `sdls plan` (issue 5 acceptance): 50 random remote mutations made through the
official FC 3.0 Python SDK ("user B" in the console) are each reported with exactly the mutated
paths.

Per mutation: a fresh project folder with three functions (python3.10 with an http trigger and
env vars, nodejs18 with a timer trigger, a layer, logConfig and an initializer, custom.debian10
with a VPC, a role and a customRuntimeConfig) is created through the SDK the way fc3's first
`s deploy` creates it (serverless-devs.md §1.8.4, §2.1.2: memorySize 512 → cpu 0.35 + diskSize
512, timeout 3, internetAccess true, description "", instanceConcurrency 1 for custom runtimes,
triggerConfig as JSON text, qualifier LATEST); a first `sdls plan` must say in-sync for all three
(it records the baselines); then ONE random mutation of a managed path (D12) is made through the
SDK, and the second `sdls plan` must say `remote-drift` for that function with exactly the
mutated paths and their new remote values, and in-sync for the other two.
"""

import json
import os
import random
import subprocess
import tempfile
import uuid

from alibabacloud_fc20230330 import models as m

SEED = 20251122
MUTATIONS = 50
ACCOUNT = os.environ.get("SDLS_EMULATOR_ACCOUNT_ID", "1000000000000001")
SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "KEY")
EMPTY_ZIP = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="


def layer(name, version):
    return f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/{name}/versions/{version}"


def role(name):
    return f"acs:ram::{ACCOUNT}:role/{name}"


def files(prefix):
    """The three functions' props as written in the s.yaml (resource name → props)."""
    return {
        "api": {
            "region": "cn-hangzhou",
            "functionName": f"{prefix}-api",
            "runtime": "python3.10",
            "code": "./code",
            "handler": "index.handler",
            "description": "the api",
            "environmentVariables": {"MODE": "prod", "DB_PASSWORD": "hunter2-long-secret", "REGION_NAME": "hz"},
            "triggers": [
                {
                    "triggerName": "http",
                    "triggerType": "http",
                    "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]},
                }
            ],
        },
        "worker": {
            "region": "cn-hangzhou",
            "functionName": f"{prefix}-worker",
            "runtime": "nodejs18",
            "code": "./code",
            "handler": "index.handler",
            "memorySize": 1024,
            "cpu": 1,
            "diskSize": 512,
            "timeout": 60,
            "layers": [layer("shared-libs", 1)],
            "logConfig": {
                "project": "my-project",
                "logstore": "fc-logs",
                "enableRequestMetrics": True,
                "enableInstanceMetrics": True,
                "logBeginRule": "DefaultRegex",
            },
            "instanceLifecycleConfig": {"initializer": {"handler": "index.init", "timeout": 10}},
            "environmentVariables": {"QUEUE": "jobs"},
            "triggers": [
                {
                    "triggerName": "timer",
                    "triggerType": "timer",
                    "triggerConfig": {"cronExpression": "@every 5m", "enable": True, "payload": "{}"},
                }
            ],
        },
        "web": {
            "region": "cn-hangzhou",
            "functionName": f"{prefix}-web",
            "runtime": "custom.debian10",
            "code": "./code",
            "handler": "index.handler",
            "timeout": 30,
            "internetAccess": False,
            "role": role("fc-web-role"),
            "customRuntimeConfig": {"command": ["python3", "app.py"], "port": 9000},
            "vpcConfig": {
                "vpcId": "vpc-bp1abcdef",
                "vSwitchIds": ["vsw-bp1aaaa"],
                "securityGroupId": "sg-bp1first",
            },
            "environmentVariables": {"PORT": "9000"},
        },
    }


def create_body(props):
    """The CreateFunction body fc3 sends for `props` (defaults L3/L4 of §1.8.4)."""
    body = {k: v for k, v in props.items() if k not in ("region", "code", "triggers")}
    body.setdefault("internetAccess", True)
    body.setdefault("description", "")
    body.setdefault("memorySize", 512)
    body.setdefault("timeout", 3)
    if props["runtime"].startswith("custom"):
        body.setdefault("instanceConcurrency", 1)
    if body["memorySize"] == 512 and "cpu" not in body and "diskSize" not in body:
        body["cpu"] = 0.35
        body["diskSize"] = 512
    body["code"] = {"zipFile": EMPTY_ZIP}
    return body


def deploy_like_fc3(client, props):
    body = m.CreateFunctionInput().from_map(create_body(props))
    client.create_function(m.CreateFunctionRequest(body=body))
    for t in props.get("triggers", []):
        trigger = m.CreateTriggerInput(
            trigger_name=t["triggerName"],
            trigger_type=t["triggerType"],
            trigger_config=json.dumps(t["triggerConfig"]),
            qualifier="LATEST",
        )
        client.create_trigger(props["functionName"], m.CreateTriggerRequest(body=trigger))


def yaml_value(value, indent, out):
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                yaml_value(v, indent + 2, out)
            else:
                out.append(f"{pad}{k}: {json.dumps(v)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                inner = []
                yaml_value(item, indent + 2, inner)
                inner[0] = pad + "- " + inner[0][indent + 2 :]
                out.extend(inner)
            else:
                out.append(f"{pad}- {json.dumps(item)}")


def s_yaml(resources):
    out = ["edition: 3.0.0", "name: drift-mutations", "access: default", "resources:"]
    for name, props in resources.items():
        out += [f"  {name}:", "    component: fc3", "    props:"]
        yaml_value(props, 6, out)
    return "\n".join(out) + "\n"


def mask(value):
    """fc::credentials::mask: what plan shows for a secret-looking env value (D15)."""
    if len(value) > 8:
        return value[:3] + "****" + value[-3:]
    return "*" * len(value)


def update_function(client, name, patch):
    body = m.UpdateFunctionInput().from_map(patch)
    client.update_function(name, m.UpdateFunctionRequest(body=body))


def update_trigger_config(client, name, trigger, config):
    body = m.UpdateTriggerInput(trigger_config=json.dumps(config))
    client.update_trigger(name, trigger, m.UpdateTriggerRequest(body=body))


def other(rng, choices, current):
    return rng.choice([c for c in choices if c != current])


def word(rng, n=6):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


# Each mutation: (resource, description, apply(client, props, rng) -> {path: expected remote value
# or None when the path is gone remotely}).


def m_memory(client, files_, rng):
    api = files_["api"]
    value = rng.choice([768, 1024, 1280])
    update_function(client, api["functionName"], {"memorySize": value})
    return "api", {"memorySize": value}


def m_worker_memory(client, files_, rng):
    w = files_["worker"]
    value = rng.choice([2048, 3072, 4096])
    update_function(client, w["functionName"], {"memorySize": value})
    return "worker", {"memorySize": value}


def m_timeout(client, files_, rng):
    res = rng.choice(["api", "worker", "web"])
    props = files_[res]
    value = other(rng, [5, 15, 45, 120, 300, 600], props.get("timeout", 3))
    update_function(client, props["functionName"], {"timeout": value})
    return res, {"timeout": value}


def m_description(client, files_, rng):
    res = rng.choice(["api", "worker", "web"])
    value = "changed in the console " + word(rng)
    update_function(client, files_[res]["functionName"], {"description": value})
    return res, {"description": value}


def m_env_add(client, files_, rng):
    res = rng.choice(["api", "worker", "web"])
    props = files_[res]
    key = "NEW_" + word(rng, 4).upper()
    value = word(rng, 5)
    env = dict(props["environmentVariables"])
    env[key] = value
    update_function(client, props["functionName"], {"environmentVariables": env})
    return res, {f"environmentVariables.{key}": value}


def m_env_change(client, files_, rng):
    res = rng.choice(["api", "worker", "web"])
    props = files_[res]
    key = rng.choice(sorted(props["environmentVariables"]))
    value = "v-" + word(rng, 5)
    env = dict(props["environmentVariables"])
    env[key] = value
    update_function(client, props["functionName"], {"environmentVariables": env})
    return res, {f"environmentVariables.{key}": value}


def m_env_remove(client, files_, rng):
    props = files_["api"]
    key = rng.choice(sorted(props["environmentVariables"]))
    env = {k: v for k, v in props["environmentVariables"].items() if k != key}
    update_function(client, props["functionName"], {"environmentVariables": env})
    return "api", {f"environmentVariables.{key}": None}


def m_handler(client, files_, rng):
    props = files_[rng.choice(["api", "worker"])]
    value = "index." + word(rng, 5)
    update_function(client, props["functionName"], {"handler": value})
    res = "api" if props is files_["api"] else "worker"
    return res, {"handler": value}


def m_runtime(client, files_, rng):
    res = rng.choice(["api", "worker"])
    props = files_[res]
    choices = {"api": ["python3.9", "python3.12"], "worker": ["nodejs16", "nodejs20"]}[res]
    value = rng.choice(choices)
    update_function(client, props["functionName"], {"runtime": value})
    return res, {"runtime": value}


def m_role(client, files_, rng):
    res = rng.choice(["api", "web"])
    value = role("console-" + word(rng, 5))
    update_function(client, files_[res]["functionName"], {"role": value})
    return res, {"role": value}


def m_layers(client, files_, rng):
    props = files_["worker"]
    value = [layer("shared-libs", 1), layer("extra-" + word(rng, 3), rng.randint(1, 9))]
    if rng.random() < 0.5:
        value = [layer("shared-libs", rng.randint(2, 9))]
    update_function(client, props["functionName"], {"layers": value})
    return "worker", {"layers": value}


def m_internet(client, files_, rng):
    res = rng.choice(["api", "web"])
    props = files_[res]
    value = not props.get("internetAccess", True)
    update_function(client, props["functionName"], {"internetAccess": value})
    return res, {"internetAccess": value}


def m_methods(client, files_, rng):
    props = files_["api"]
    value = rng.choice([["GET"], ["POST"], ["GET", "POST", "PUT"], ["DELETE", "GET"]])
    update_trigger_config(client, props["functionName"], "http", {"authType": "anonymous", "methods": value})
    return "api", {"triggers.http.triggerConfig.methods": value}


def m_auth(client, files_, rng):
    props = files_["api"]
    update_trigger_config(client, props["functionName"], "http", {"authType": "function", "methods": ["GET", "POST"]})
    return "api", {"triggers.http.triggerConfig.authType": "function"}


def m_cron(client, files_, rng):
    props = files_["worker"]
    value = rng.choice(["@every 1m", "@every 30m", "CRON_TZ=Asia/Shanghai 0 0 3 * * *"])
    update_trigger_config(client, props["functionName"], "timer", {"cronExpression": value, "enable": True, "payload": "{}"})
    return "worker", {"triggers.timer.triggerConfig.cronExpression": value}


def m_enable(client, files_, rng):
    props = files_["worker"]
    update_trigger_config(client, props["functionName"], "timer", {"cronExpression": "@every 5m", "enable": False, "payload": "{}"})
    return "worker", {"triggers.timer.triggerConfig.enable": False}


def m_payload(client, files_, rng):
    props = files_["worker"]
    value = json.dumps({"job": word(rng, 4)})
    update_trigger_config(client, props["functionName"], "timer", {"cronExpression": "@every 5m", "enable": True, "payload": value})
    return "worker", {"triggers.timer.triggerConfig.payload": value}


def m_concurrency(client, files_, rng):
    res = rng.choice(["api", "worker", "web"])
    value = rng.randint(1, 50)
    body = m.PutConcurrencyInput(reserved_concurrency=value)
    client.put_concurrency_config(files_[res]["functionName"], m.PutConcurrencyConfigRequest(body=body))
    return res, {"concurrencyConfig.reservedConcurrency": value}


def m_logstore(client, files_, rng):
    props = files_["worker"]
    log = dict(props["logConfig"])
    value = "logs-" + word(rng, 4)
    log["logstore"] = value
    update_function(client, props["functionName"], {"logConfig": log})
    return "worker", {"logConfig.logstore": value}


def m_security_group(client, files_, rng):
    props = files_["web"]
    vpc = dict(props["vpcConfig"])
    value = "sg-" + word(rng, 8)
    vpc["securityGroupId"] = value
    update_function(client, props["functionName"], {"vpcConfig": vpc})
    return "web", {"vpcConfig.securityGroupId": value}


def m_initializer(client, files_, rng):
    props = files_["worker"]
    value = rng.choice([5, 20, 30])
    update_function(
        client,
        props["functionName"],
        {"instanceLifecycleConfig": {"initializer": {"handler": "index.init", "timeout": value}}},
    )
    return "worker", {"instanceLifecycleConfig.initializer.timeout": value}


def m_instance_concurrency(client, files_, rng):
    props = files_["web"]
    value = rng.randint(2, 100)
    update_function(client, props["functionName"], {"instanceConcurrency": value})
    return "web", {"instanceConcurrency": value}


def m_port(client, files_, rng):
    props = files_["web"]
    value = rng.choice([8080, 8000, 3000])
    update_function(client, props["functionName"], {"customRuntimeConfig": {"command": ["python3", "app.py"], "port": value}})
    return "web", {"customRuntimeConfig.port": value}


def m_disk(client, files_, rng):
    props = files_["worker"]
    update_function(client, props["functionName"], {"diskSize": 10240})
    return "worker", {"diskSize": 10240}


def m_two_fields(client, files_, rng):
    props = files_["worker"]
    timeout = rng.choice([90, 120])
    update_function(client, props["functionName"], {"timeout": timeout, "description": "two at once"})
    return "worker", {"timeout": timeout, "description": "two at once"}


KINDS = [
    m_memory,
    m_worker_memory,
    m_timeout,
    m_description,
    m_env_add,
    m_env_change,
    m_env_remove,
    m_handler,
    m_runtime,
    m_role,
    m_layers,
    m_internet,
    m_methods,
    m_auth,
    m_cron,
    m_enable,
    m_payload,
    m_concurrency,
    m_logstore,
    m_security_group,
    m_initializer,
    m_instance_concurrency,
    m_port,
    m_disk,
    m_two_fields,
]


def plan(folder, home):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "AccountID": ACCOUNT,
        "AccessKeyID": os.environ["SDLS_EMULATOR_AK"],
        "AccessKeySecret": os.environ["SDLS_EMULATOR_SK"],
    }
    run = subprocess.run(
        [
            os.environ["SDLS_BIN"],
            "plan",
            "s.yaml",
            "--format",
            "json",
            "--remote",
            "http://" + os.environ["SDLS_EMULATOR_HOSTPORT"],
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 2), f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run.returncode, json.loads(run.stdout)


def expected_remote(path, value):
    key = path.split(".")[-1] if path.startswith("environmentVariables.") else ""
    if value is not None and isinstance(value, str) and any(w in key.upper() for w in SECRET_WORDS):
        return mask(value)
    if path == "role" and isinstance(value, str):
        return value.lower()
    return value


def check_case(client, i, kind, rng, capsys):
    prefix = f"dm{i:02}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as home:
        os.makedirs(os.path.join(folder, "code"))
        with open(os.path.join(folder, "code", "index.py"), "w") as f:
            f.write("def handler(event, context):\n    return 'ok'\n")
        resources = files(prefix)
        with open(os.path.join(folder, "s.yaml"), "w") as f:
            f.write(s_yaml(resources))
        for props in resources.values():
            deploy_like_fc3(client, props)

        code, before = plan(folder, home)
        statuses = {f["resource"]: f["status"] for f in before["functions"]}
        if code != 0 or set(statuses.values()) != {"in-sync"}:
            return f"#{i} {kind.__name__}: not in sync after the fc3-like create: {json.dumps(before, indent=1)}"
        for props in resources.values():
            baseline = os.path.join(folder, ".s", "deployed", f"{ACCOUNT}-cn-hangzhou-{props['functionName']}.json")
            if not os.path.isfile(baseline):
                return f"#{i}: no baseline written for {props['functionName']}"

        resource, mutated = kind(client, resources, rng)
        code, after = plan(folder, home)
        by_resource = {f["resource"]: f for f in after["functions"]}
        problems = []
        if code != 2:
            problems.append(f"exit {code}, expected 2")
        for name, f in by_resource.items():
            if name != resource and (f["status"] != "in-sync" or f["fields"]):
                problems.append(f"{name} should be in-sync: {f['status']} {f['fields']}")
        f = by_resource[resource]
        if f["status"] != "remote-drift":
            problems.append(f"{resource}: status {f['status']}, expected remote-drift")
        got_paths = sorted(x["path"] for x in f["fields"])
        if got_paths != sorted(mutated):
            problems.append(f"{resource}: paths {got_paths}, expected {sorted(mutated)}")
        for field in f["fields"]:
            path = field["path"]
            if path not in mutated:
                continue
            want = expected_remote(path, mutated[path])
            if want is None:
                if "remote" in field:
                    problems.append(f"{path}: remote {field['remote']!r}, expected absent")
            elif field.get("remote") != want:
                problems.append(f"{path}: remote {field.get('remote')!r}, expected {want!r}")
            if field.get("change") != "remote":
                problems.append(f"{path}: change {field.get('change')!r}, expected 'remote'")
        raw = json.dumps(after)
        if "hunter2-long-secret" in raw:
            problems.append("a secret value was printed unmasked")
        # Clean up so the emulator stays small.
        for props in resources.values():
            name = props["functionName"]
            for t in props.get("triggers", []):
                client.delete_trigger(name, t["triggerName"])
            client.delete_function(name)
        if problems:
            return f"#{i} {kind.__name__} on {resource} ({mutated}): " + "; ".join(problems) + f"\n{json.dumps(f, indent=1)}"
        return None


def test_fifty_random_mutations_are_reported_with_exactly_the_mutated_paths(client, capsys):
    rng = random.Random(SEED)
    kinds = [KINDS[i % len(KINDS)] for i in range(MUTATIONS)]
    rng.shuffle(kinds)
    failures = []
    for i, kind in enumerate(kinds):
        problem = check_case(client, i, kind, rng, capsys)
        if problem:
            failures.append(problem)
    ok = MUTATIONS - len(failures)
    with capsys.disabled():
        print(f"\ndrift mutations (seed {SEED}): {ok}/{MUTATIONS} reported with exactly the mutated paths")
        for problem in failures:
            print("  " + problem)
    assert not failures, "\n".join(failures)
