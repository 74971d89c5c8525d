"""sdls emulator bootstrap for Function Compute python3 handlers (embedded in the emulator).

Started as ``python3 -u -c <this> <addr> <code dir> <handler>``; the first stdin line is a
token. Imports ``<module>.<function>``, connects to ``addr``, says hello, then serves framed
requests one at a time: u32 big-endian header length, JSON header, u32 big-endian body length,
body. See server/emulator/src/exec/mod.rs for the protocol.
"""

import importlib
import json
import logging
import os
import socket
import struct
import sys
import traceback

MAX_HEADER = 1 << 20
MAX_BODY = 64 << 20
CURRENT = {"request_id": ""}


def read_exact(stream, n):
    data = stream.read(n) if n else b""
    if data is None or len(data) != n:
        return None
    return data


def read_frame(stream):
    raw = read_exact(stream, 4)
    if raw is None:
        return None
    (header_len,) = struct.unpack(">I", raw)
    if header_len > MAX_HEADER:
        raise ValueError("frame header too large")
    header = read_exact(stream, header_len)
    raw = read_exact(stream, 4)
    if header is None or raw is None:
        return None
    (body_len,) = struct.unpack(">I", raw)
    if body_len > MAX_BODY:
        raise ValueError("frame body too large")
    body = read_exact(stream, body_len)
    if body is None:
        return None
    return json.loads(header), body


def write_frame(sock, header, body):
    encoded = json.dumps(header).encode("utf-8")
    sock.sendall(struct.pack(">I", len(encoded)) + encoded + struct.pack(">I", len(body)) + body)


class _Fields:
    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        inner = ", ".join("%s=%r" % item for item in self.__dict__.items())
        return "%s(%s)" % (type(self).__name__, inner)


class Credentials(_Fields):
    pass


class FunctionMeta(_Fields):
    pass


class ServiceMeta(_Fields):
    pass


class FCContext(_Fields):
    pass


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = CURRENT["request_id"]
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(request_id)s [%(levelname)s] %(message)s"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    return root


def make_context(fields, logger):
    creds = fields.get("credentials", {})
    function = fields.get("function", {})
    service = fields.get("service", {})
    return FCContext(
        request_id=fields.get("requestId", ""),
        instance_id=fields.get("instanceId", ""),
        credentials=Credentials(
            access_key_id=creds.get("accessKeyId", ""),
            access_key_secret=creds.get("accessKeySecret", ""),
            security_token=creds.get("securityToken", ""),
        ),
        function=FunctionMeta(
            name=function.get("name", ""),
            handler=function.get("handler", ""),
            memory=function.get("memory", 0),
            timeout=function.get("timeout", 0),
            initializer=function.get("initializer", ""),
            initialization_timeout=function.get("initializationTimeout", 0),
        ),
        service=ServiceMeta(
            name=service.get("name", ""),
            log_project=service.get("logProject", ""),
            log_store=service.get("logStore", ""),
            qualifier=service.get("qualifier", ""),
            version_id=service.get("versionId", ""),
        ),
        region=fields.get("region", ""),
        account_id=fields.get("accountId", ""),
        logger=logger,
    )


def load_handler(spec):
    module_name, dot, function_name = spec.rpartition(".")
    if not dot or not module_name or not function_name:
        raise ValueError("Invalid handler '%s': expected '<module>.<function>'" % spec)
    module = importlib.import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if function is None:
        raise AttributeError("Handler '%s' missing on module '%s'" % (function_name, module_name))
    if not callable(function):
        raise TypeError("Handler '%s' of module '%s' is not callable" % (function_name, module_name))
    return function


def encode_result(value):
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


def error_body(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != "<string>"]
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": traceback.format_list(frames),
        }
    ).encode("utf-8")


def write_marker(marker):
    sys.stdout.flush()
    sys.stderr.flush()
    data = marker.encode("utf-8")
    written = 0
    for _ in range(1000):
        if written >= len(data):
            break
        written += os.write(1, data[written:])


def main():
    addr, code_dir, handler_spec = sys.argv[1], sys.argv[2], sys.argv[3]
    token = sys.stdin.readline().strip()
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
    except OSError:
        pass
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    logger = setup_logging()
    handler = None
    try:
        handler = load_handler(handler_spec)
    except Exception:  # reported by every invocation until the import succeeds
        traceback.print_exc()

    host, _, port = addr.rpartition(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")
    write_frame(sock, {"type": "hello", "token": token, "pid": os.getpid()}, b"")

    while True:
        frame = read_frame(stream)
        if frame is None:
            return
        header, event = frame
        kind = header.get("type")
        if kind not in ("invoke", "init"):
            continue
        context = make_context(header.get("context", {}), logger)
        CURRENT["request_id"] = context.request_id
        status, error_type = "ok", None
        try:
            if kind == "init":
                # The initializer hook: `initialize(context)`, once per instance.
                load_handler(header.get("handler", ""))(context)
                body = b""
            else:
                if handler is None:
                    # Import again: the error (with its traceback) belongs to this request's log.
                    handler = load_handler(handler_spec)
                body = encode_result(handler(event, context))
        except Exception as error:
            status, error_type = "error", "UnhandledInvocationError"
            body = error_body(error)
            traceback.print_exc()
        write_marker(header.get("marker", ""))
        write_frame(sock, {"type": "result", "seq": header.get("seq"), "status": status, "errorType": error_type}, body)
        CURRENT["request_id"] = ""


main()
