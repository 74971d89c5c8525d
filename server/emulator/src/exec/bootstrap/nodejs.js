// sdls emulator bootstrap for Function Compute nodejs handlers (embedded in the emulator).
//
// Started as `node -e <this> <addr> <code dir> <handler>`; the first stdin line is a token.
// Loads `<file>.<export>` (CommonJS, or ESM through import()), connects to `addr`, says hello,
// then serves framed requests one at a time: u32 big-endian header length, JSON header, u32
// big-endian body length, body. See server/emulator/src/exec/mod.rs for the protocol.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const MAX_HEADER = 1 << 20;
const MAX_BODY = 64 << 20;

const [addr, codeDir, handlerSpec] = process.argv.slice(1);
const token = fs.readFileSync(0, 'utf8').split('\n')[0].trim();

let handlerFn = null;
let current = null;
let currentRequestId = '';

async function loadHandler(spec = handlerSpec) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new Error(`Invalid handler '${spec}': expected '<file>.<export>'`);
  }
  const file = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const base = path.resolve(codeDir, file);
  let mod;
  if (fs.existsSync(base + '.mjs')) {
    mod = await import(pathToFileURL(base + '.mjs').href);
  } else {
    try {
      mod = require(base);
    } catch (err) {
      if (err && err.code === 'ERR_REQUIRE_ESM') {
        mod = await import(pathToFileURL(require.resolve(base)).href);
      } else {
        throw err;
      }
    }
  }
  let fn = mod ? mod[exportName] : undefined;
  if (typeof fn !== 'function' && mod && mod.default) fn = mod.default[exportName];
  if (typeof fn !== 'function') {
    const err = new Error(`Handler '${exportName}' missing on module '${file}'`);
    err.name = 'HandlerNotFound';
    throw err;
  }
  return fn;
}

function encodeResult(value) {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function errorBody(err) {
  let body;
  if (err instanceof Error) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n').slice(1).map((l) => l.trim()) : [];
    body = { errorMessage: err.message, errorType: err.name || 'Error', stackTrace: stack };
  } else if (typeof err === 'string') {
    body = { errorMessage: err, errorType: 'Error', stackTrace: [] };
  } else {
    let text;
    try {
      text = JSON.stringify(err);
    } catch (_) {
      text = String(err);
    }
    body = { errorMessage: text, errorType: 'Error', stackTrace: [] };
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function logError(err) {
  const text = err instanceof Error && err.stack ? err.stack : util.inspect(err);
  process.stderr.write(`${new Date().toISOString()} ${currentRequestId} [error] ${text}\n`);
}

function makeLogger() {
  const at = (level) => (...args) => {
    process.stderr.write(`${new Date().toISOString()} ${currentRequestId} [${level}] ${util.format(...args)}\n`);
  };
  return { debug: at('debug'), info: at('info'), log: at('info'), warn: at('warn'), error: at('error') };
}

function makeContext(fields) {
  const creds = fields.credentials || {};
  const fn = fields.function || {};
  const service = fields.service || {};
  return {
    requestId: fields.requestId || '',
    instanceId: fields.instanceId || '',
    credentials: {
      accessKeyId: creds.accessKeyId || '',
      accessKeySecret: creds.accessKeySecret || '',
      securityToken: creds.securityToken || '',
    },
    function: {
      name: fn.name || '',
      handler: fn.handler || '',
      memory: fn.memory || 0,
      timeout: fn.timeout || 0,
      initializer: fn.initializer || '',
      initializationTimeout: fn.initializationTimeout || 0,
    },
    service: {
      name: service.name || '',
      logProject: service.logProject || '',
      logStore: service.logStore || '',
      qualifier: service.qualifier || '',
      versionId: service.versionId || '',
    },
    region: fields.region || '',
    accountId: fields.accountId || '',
    logger: makeLogger(),
  };
}

function frame(header, body) {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const lens = Buffer.alloc(4);
  lens.writeUInt32BE(head.length, 0);
  const blen = Buffer.alloc(4);
  blen.writeUInt32BE(body.length, 0);
  return Buffer.concat([lens, head, blen, body]);
}

function writeMarker(marker) {
  // stdout and stderr are synchronous for pipes on Linux; the marker follows everything written.
  const data = Buffer.from(marker || '', 'utf8');
  let written = 0;
  for (let i = 0; i < 1000 && written < data.length; i++) {
    written += fs.writeSync(1, data, written);
  }
}

function handle(sock, header, event) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status, errorType, body, after, fatal) => {
      if (settled) return;
      settled = true;
      current = null;
      writeMarker(header.marker);
      const result = { type: 'result', seq: header.seq, status, errorType, fatal: Boolean(fatal) };
      sock.write(frame(result, body), after);
      currentRequestId = '';
      resolve();
    };
    current = {
      // An error outside the handler's control flow: the instance ends after answering.
      fail: (err, after) => {
        logError(err);
        finish('error', 'UnhandledInvocationError', errorBody(err), after, true);
      },
    };
    const context = makeContext(header.context || {});
    currentRequestId = context.requestId;
    const callback = (err, result) => {
      if (err !== undefined && err !== null) {
        logError(err);
        finish('error', 'HandledInvocationError', errorBody(err));
      } else {
        let body;
        try {
          body = encodeResult(result);
        } catch (e) {
          logError(e);
          finish('error', 'UnhandledInvocationError', errorBody(e));
          return;
        }
        finish('ok', null, body);
      }
    };
    Promise.resolve()
      .then(async () => {
        let ret;
        if (header.type === 'init') {
          // The initializer hook: `initializer(context, callback)`, once per instance.
          const init = await loadHandler(header.handler);
          ret = init(context, callback);
        } else {
          if (!handlerFn) handlerFn = await loadHandler();
          ret = handlerFn(event, context, callback);
        }
        if (ret && typeof ret.then === 'function') {
          const value = await ret;
          if (!settled) finish('ok', null, encodeResult(value));
        }
      })
      .catch((err) => {
        if (!settled) {
          logError(err);
          finish('error', 'UnhandledInvocationError', errorBody(err));
        }
      });
  });
}

function crash(err) {
  // An error escaped the handler's control flow: answer the request, then end the instance.
  if (current) {
    current.fail(err, () => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
  } else {
    logError(err);
    process.exit(1);
  }
}

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

async function main() {
  const hostEnd = addr.lastIndexOf(':');
  const host = addr.slice(0, hostEnd);
  const port = Number(addr.slice(hostEnd + 1));
  try {
    handlerFn = await loadHandler();
  } catch (err) {
    // Reported by every invocation until loading succeeds.
    logError(err);
  }
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  sock.on('error', () => process.exit(0));
  sock.on('close', () => process.exit(0));
  sock.on('connect', () => {
    sock.write(frame({ type: 'hello', token, pid: process.pid }, Buffer.alloc(0)));
  });
  let buffered = Buffer.alloc(0);
  let chain = Promise.resolve();
  sock.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    // Each round consumes one complete frame or stops.
    for (;;) {
      if (buffered.length < 4) return;
      const headLen = buffered.readUInt32BE(0);
      if (headLen > MAX_HEADER) return process.exit(2);
      if (buffered.length < 8 + headLen) return;
      const bodyLen = buffered.readUInt32BE(4 + headLen);
      if (bodyLen > MAX_BODY) return process.exit(2);
      if (buffered.length < 8 + headLen + bodyLen) return;
      const header = JSON.parse(buffered.subarray(4, 4 + headLen).toString('utf8'));
      const body = Buffer.from(buffered.subarray(8 + headLen, 8 + headLen + bodyLen));
      buffered = buffered.subarray(8 + headLen + bodyLen);
      if (header.type === 'invoke' || header.type === 'init') {
        chain = chain.then(() => handle(sock, header, body));
      }
    }
  });
}

main();
