import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { bundledServerPath, expandSettingPath, findOnPath, resolveServer, ResolveInput } from '../src/logic/resolve';

const ext = '/ext';
const bundled = path.join(ext, 'server', 'linux-x64', 'sdls');
function input(files: string[], over: Partial<ResolveInput> = {}): ResolveInput {
  const set = new Set(files);
  return {
    extensionDir: ext, platform: 'linux', arch: 'x64', pathEnv: '/usr/local/bin:/opt/sdls/bin', home: '/home/u',
    workspaceFolder: '/ws', isExecutableFile: (p) => set.has(p), ...over,
  };
}

test('bundled binary path per platform', () => {
  assert.equal(bundledServerPath(ext, 'linux', 'x64'), bundled);
  assert.equal(bundledServerPath(ext, 'darwin', 'arm64'), path.join(ext, 'server', 'darwin-arm64', 'sdls'));
  assert.equal(bundledServerPath(ext, 'win32', 'x64'), path.join(ext, 'server', 'win32-x64', 'sdls.exe'));
});

test('the setting wins when set and executable', () => {
  const r = resolveServer(input(['/my/sdls', bundled, '/usr/local/bin/sdls'], { settingPath: '/my/sdls' }));
  assert.deepEqual(r, { ok: true, source: 'setting', path: '/my/sdls' });
});

test('a setting that is not a file is an error naming it, never a silent fallback', () => {
  const r = resolveServer(input([bundled, '/usr/local/bin/sdls'], { settingPath: '/nope/sdls' }));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /sdls\.server\.path/);
    assert.match(r.message, /\/nope\/sdls/);
    assert.match(r.message, /Restart Language Server/);
  }
});

test('then the bundled binary', () => {
  assert.deepEqual(resolveServer(input([bundled, '/usr/local/bin/sdls'])), { ok: true, source: 'bundled', path: bundled });
  assert.deepEqual(resolveServer(input([bundled], { settingPath: '  ' })), { ok: true, source: 'bundled', path: bundled });
});

test('then sdls on PATH, in PATH order', () => {
  assert.deepEqual(resolveServer(input(['/opt/sdls/bin/sdls', '/usr/local/bin/sdls'])),
    { ok: true, source: 'path', path: '/usr/local/bin/sdls' });
  assert.deepEqual(resolveServer(input(['/opt/sdls/bin/sdls'])), { ok: true, source: 'path', path: '/opt/sdls/bin/sdls' });
});

test('nothing found: a message with the fix', () => {
  const r = resolveServer(input([]));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /not found/);
    assert.match(r.message, /cargo install --path server\/cli/);
    assert.match(r.message, /sdls\.server\.path/);
    assert.match(r.message, /linux-x64/);
    assert.deepEqual(r.tried, [bundled, 'sdls on PATH']);
  }
});

test('setting paths: ~ and relative paths', () => {
  assert.equal(expandSettingPath('~/bin/sdls', '/home/u', '/ws'), '/home/u/bin/sdls');
  assert.equal(expandSettingPath('target/debug/sdls', '/home/u', '/ws'), '/ws/target/debug/sdls');
  assert.equal(expandSettingPath(' /abs/sdls ', '/home/u', '/ws'), '/abs/sdls');
  const r = resolveServer(input(['/ws/target/release/sdls'], { settingPath: 'target/release/sdls' }));
  assert.deepEqual(r, { ok: true, source: 'setting', path: '/ws/target/release/sdls' });
});

test('PATH search on Windows uses PATHEXT and ;', () => {
  const found = findOnPath('sdls', {
    platform: 'win32', pathEnv: 'C:\\a;C:\\b', pathExt: '.COM;.EXE',
    isExecutableFile: (p) => p === path.join('C:\\b', 'sdls.EXE'),
  });
  assert.equal(found, path.join('C:\\b', 'sdls.EXE'));
  assert.equal(findOnPath('sdls', { platform: 'linux', pathEnv: '', isExecutableFile: () => true }), undefined);
});
