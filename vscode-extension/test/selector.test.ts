import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { documentSelector, FILE_PATTERNS, isSdlsDocument, isSdlsFileName } from '../src/logic/selector';

test('s.yaml, s.yml, s-*.yaml and s-*.yml are sdls files', () => {
  for (const p of ['/p/s.yaml', '/p/s.yml', '/p/s-dev.yaml', '/p/s-prod.yml', 's.yaml', 'C:\\p\\s-x.yaml', '/p/s-.yaml']) {
    assert.equal(isSdlsFileName(p), true, p);
  }
});

test('other YAML is left to other extensions', () => {
  for (const p of ['/p/docker-compose.yml', '/p/ss.yaml', '/p/s.yaml.bak', '/p/s_dev.yaml', '/p/S.yaml', '/p/x-s.yaml',
    '/p/s.json', '/p/s-dev.yaml/other.yml', '/p/.github/workflows/ci.yml', '/p/s.yamll']) {
    assert.equal(isSdlsFileName(p), false, p);
  }
});

test('only file documents', () => {
  assert.equal(isSdlsDocument('file', '/p/s.yaml'), true);
  assert.equal(isSdlsDocument('untitled', 's.yaml'), false);
  assert.equal(isSdlsDocument('git', '/p/s.yaml'), false);
});

test('the selector uses file patterns only (no language id), for the file scheme', () => {
  const sel = documentSelector();
  assert.deepEqual(sel, [
    { scheme: 'file', pattern: '**/s.{yaml,yml}' },
    { scheme: 'file', pattern: '**/s-*.{yaml,yml}' },
  ]);
  for (const f of sel) assert.equal('language' in f, false);
  assert.deepEqual(FILE_PATTERNS, sel.map((f) => f.pattern));
});

test('the patterns and the package.json agree', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pkg = require('../../package.json');
  assert.ok(pkg.activationEvents.includes('onLanguage:yaml'));
  assert.equal(pkg.contributes.languages, undefined, 'no language contribution: s.yaml stays `yaml`');
});
