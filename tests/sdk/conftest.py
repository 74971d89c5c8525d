"""Fixtures for the official-SDK conformance suite: a client of the official FC 3.0 Python SDK
pointed at the sdls emulator that tests/sdk/run.sh started (address and credentials in the
environment), in direct mode and in proxy mode with a real FC host name (D20)."""

import base64
import io
import os
import uuid
import zipfile

import pytest
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import models as open_api_models


def _config(**extra):
    return open_api_models.Config(
        access_key_id=os.environ["SDLS_EMULATOR_AK"],
        access_key_secret=os.environ["SDLS_EMULATOR_SK"],
        region_id="cn-hangzhou",
        protocol="http",
        read_timeout=30000,
        connect_timeout=5000,
        **extra,
    )


@pytest.fixture(scope="session")
def client():
    """Direct mode: endpoint = the emulator's host:port (signed as the Host)."""
    return Client(_config(endpoint=os.environ["SDLS_EMULATOR_HOSTPORT"]))


@pytest.fixture(scope="session")
def shanghai():
    """Proxy mode: a real FC host name, the emulator as the HTTP proxy."""
    return Client(
        _config(
            endpoint="fcv3.cn-shanghai.aliyuncs.com",
            http_proxy="http://" + os.environ["SDLS_EMULATOR_HOSTPORT"],
        )
    )


@pytest.fixture
def name():
    return "sdk-" + uuid.uuid4().hex[:10]


def zip_of(files):
    """A zip of {path: text}, and its base64."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in sorted(files.items()):
            z.writestr(path, text)
    data = buf.getvalue()
    return data, base64.b64encode(data).decode()


def crc64_xz(data: bytes) -> str:
    """CRC-64/XZ as FC's codeChecksum (decimal), computed independently of sdls."""
    poly = 0xC96C5795D7870F42
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return str(crc ^ 0xFFFFFFFFFFFFFFFF)
