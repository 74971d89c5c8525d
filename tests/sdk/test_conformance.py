"""The official FC 3.0 Python SDK (alibabacloud-fc20230330 4.8.3) drives the sdls emulator:
functions, versions, aliases with weights, triggers, invocation with a qualifier, errors.
Issue 3, "Conformance with the official SDK"."""

import json

import pytest
from alibabacloud_fc20230330 import models as m
from darabonba.runtime import RuntimeOptions

from conftest import crc64_xz, zip_of

HANDLER_V1 = "def handler(event, context):\n    return 'v1:' + event.decode()\n"
HANDLER_V2 = "def handler(event, context):\n    return 'v2:' + event.decode()\n"


def create(client, name, code=HANDLER_V1, **extra):
    data, b64 = zip_of({"index.py": code})
    body = m.CreateFunctionInput(
        function_name=name,
        runtime="python3.10",
        handler="index.handler",
        memory_size=512,
        timeout=10,
        code=m.InputCodeLocation(zip_file=b64),
        **extra,
    )
    return client.create_function(m.CreateFunctionRequest(body=body)).body, data


def test_function_lifecycle(client, name):
    created, data = create(client, name, description="hello", environment_variables={"A": "1"})
    assert created.function_name == name
    assert created.code_size == len(data)
    assert created.code_checksum == crc64_xz(data)
    assert created.function_arn.endswith(":functions/" + name)
    assert created.last_modified_time

    got = client.get_function(name, m.GetFunctionRequest()).body
    assert (got.runtime, got.handler, got.memory_size, got.timeout) == ("python3.10", "index.handler", 512, 10)
    assert got.environment_variables == {"A": "1"}

    # Partial update: only what is sent changes.
    client.update_function(name, m.UpdateFunctionRequest(body=m.UpdateFunctionInput(memory_size=1024)))
    got = client.get_function(name, m.GetFunctionRequest()).body
    assert (got.memory_size, got.description, got.timeout) == (1024, "hello", 10)

    client.delete_function(name)
    with pytest.raises(Exception) as err:
        client.get_function(name, m.GetFunctionRequest())
    assert getattr(err.value, "code", None) == "FunctionNotFound"
    assert getattr(err.value, "status_code", None) == 404


def test_errors_carry_code_and_request_id(client, name):
    create(client, name)
    with pytest.raises(Exception) as err:
        create(client, name)
    assert err.value.code == "FunctionAlreadyExists"
    assert err.value.status_code == 409
    assert err.value.request_id
    client.delete_function(name)


def test_list_with_pagination(client, name):
    names = [f"{name}-{i:02}" for i in range(7)]
    for n in names:
        create(client, n)
    seen, token = [], None
    while True:
        page = client.list_functions(m.ListFunctionsRequest(prefix=name, limit=3, next_token=token)).body
        seen += [f.function_name for f in page.functions]
        token = page.next_token
        if not token:
            break
    assert seen == sorted(names)
    for n in names:
        client.delete_function(n)


def test_versions_aliases_and_weighted_invocation(client, name):
    create(client, name)
    v1 = client.publish_function_version(name, m.PublishFunctionVersionRequest(body=m.PublishVersionInput(description="one"))).body
    _, b64 = zip_of({"index.py": HANDLER_V2})
    client.update_function(name, m.UpdateFunctionRequest(body=m.UpdateFunctionInput(code=m.InputCodeLocation(zip_file=b64))))
    v2 = client.publish_function_version(name, m.PublishFunctionVersionRequest(body=m.PublishVersionInput())).body
    assert (v1.version_id, v2.version_id) == ("1", "2")

    alias = m.CreateAliasInput(alias_name="prod", version_id="1", additional_version_weight={"2": 0.5})
    client.create_alias(name, m.CreateAliasRequest(body=alias))
    got = client.get_alias(name, "prod").body
    assert got.version_id == "1" and got.additional_version_weight == {"2": 0.5}

    ran = set()
    for _ in range(40):
        resp = client.invoke_function(name, m.InvokeFunctionRequest(body=b"x", qualifier="prod"))
        version = resp.headers.get("x-fc-invocation-service-version")
        body = resp.body.read().decode() if hasattr(resp.body, "read") else resp.body.decode()
        assert body == f"v{version}:x"
        ran.add(version)
    assert ran == {"1", "2"}

    # Promote: version 2, no extra weight.
    client.update_alias(name, "prod", m.UpdateAliasRequest(body=m.UpdateAliasInput(version_id="2", additional_version_weight={})))
    got = client.get_alias(name, "prod").body
    assert got.version_id == "2" and not got.additional_version_weight
    resp = client.invoke_function(name, m.InvokeFunctionRequest(body=b"y", qualifier="prod"))
    assert resp.headers.get("x-fc-invocation-service-version") == "2"

    client.delete_alias(name, "prod")
    client.delete_function_version(name, "1")
    client.delete_function_version(name, "2")
    client.delete_function(name)


def test_invoke_with_log_tail(client, name):
    create(client, name, code="def handler(event, context):\n    print('hello-log')\n    return event\n")
    headers = m.InvokeFunctionHeaders(x_fc_log_type="Tail")
    resp = client.invoke_function_with_options(name, m.InvokeFunctionRequest(body=b"echo"), headers, RuntimeOptions())
    assert resp.headers.get("x-fc-request-id")
    import base64

    log = base64.b64decode(resp.headers.get("x-fc-log-result", "")).decode()
    assert "hello-log" in log
    client.delete_function(name)


def test_triggers(client, name):
    create(client, name)
    config = json.dumps({"authType": "anonymous", "methods": ["GET", "POST"]})
    trig = m.CreateTriggerInput(trigger_name="web", trigger_type="http", trigger_config=config, qualifier="LATEST")
    created = client.create_trigger(name, m.CreateTriggerRequest(body=trig)).body
    assert created.trigger_name == "web" and json.loads(created.trigger_config)["methods"] == ["GET", "POST"]
    assert created.http_trigger.url_internet
    listed = client.list_triggers(name, m.ListTriggersRequest()).body.triggers
    assert [t.trigger_name for t in listed] == ["web"]
    client.delete_trigger(name, "web")
    client.delete_function(name)


def test_regions_are_separate_namespaces(client, shanghai, name):
    create(shanghai, name)
    assert shanghai.get_function(name, m.GetFunctionRequest()).body.function_arn.startswith("acs:fc:cn-shanghai:")
    with pytest.raises(Exception) as err:
        client.get_function(name, m.GetFunctionRequest())
    assert err.value.code == "FunctionNotFound"
    shanghai.delete_function(name)
