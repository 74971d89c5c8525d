import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DocumentDrift, FunctionDrift, deployArgs, deployItems, functionAtLine, needsArguments, pullArgs, pullable, pullMessage,
  refreshDriftArgs, showDriftArgs, statusWord, summarize,
} from '../src/logic/drift';

function fn(resource: string, status: FunctionDrift['status'], line: number, over: Partial<FunctionDrift> = {}): FunctionDrift {
  return {
    resource, functionName: `quickstart-${resource}`, region: 'cn-hangzhou', remote: 'local', status,
    range: { start: { line, character: 2 }, end: { line, character: 2 + resource.length } }, pending: false, ...over,
  };
}
function doc(functions: FunctionDrift[], remote = 'local', skipped: DocumentDrift['skipped'] = []): DocumentDrift {
  return { uri: 'file:///p/s.yaml', version: 3, remote, functions, skipped };
}

test('status bar: cloud remote, in sync and drifted', () => {
  const s = summarize(doc([fn('a', 'in-sync', 10), fn('b', 'remote-drift', 20)], 'https://123.cn-hangzhou.fc.aliyuncs.com'));
  assert.equal(s.text, 'sdls: 1 in sync, 1 drifted');
  assert.equal(s.attention, true);
  assert.match(s.tooltip, /a \(quickstart-a, cn-hangzhou\): in sync/);
  assert.match(s.tooltip, /b \(quickstart-b, cn-hangzhou\): remote drift/);
});

test('status bar: the local emulator', () => {
  const s = summarize(doc([fn('hello', 'not-deployed', 12)]));
  assert.equal(s.text, 'sdls: local · 1 not deployed');
  assert.equal(s.attention, false);
  assert.match(s.tooltip, /embedded local emulator/);
  assert.equal(summarize(doc([fn('hello', 'in-sync', 12)])).text, 'sdls: local · 1 in sync');
});

test('status bar: every state, in a fixed order', () => {
  const s = summarize(doc([
    fn('u', 'unknown', 1, { reason: 'no credentials\nmore' }), fn('n', 'not-deployed', 2), fn('c', 'conflict', 3),
    fn('d', 'deleted-remotely', 4), fn('t', 'untracked', 5), fn('l', 'local-changes', 6), fn('i', 'in-sync', 7),
    fn('p', 'unknown', 8, { pending: true, reason: 'not read yet' }),
  ], 'mixed', [{ resource: 'x', reason: 'no region', range: null }]));
  assert.equal(s.text, 'sdls: 1 reading, 1 in sync, 1 local changes, 1 drifted, 1 conflict, 1 deleted remotely, 1 not deployed, 2 unknown');
  assert.match(s.tooltip, /u \(quickstart-u, cn-hangzhou\): unknown: no credentials$/m);
  assert.match(s.tooltip, /x: cannot be read remotely: no region/);
  assert.match(s.tooltip, /several remotes/);
});

test('status bar: before any read, no functions, no document', () => {
  assert.equal(summarize(doc([fn('hello', 'unknown', 12, { pending: true })], 'none')).text, 'sdls: 1 reading');
  assert.equal(summarize(doc([], 'none')).text, 'sdls: no functions');
  assert.equal(summarize(undefined).text, 'sdls');
});

test('status words', () => {
  assert.equal(statusWord(fn('a', 'deleted-remotely', 1)), 'deleted remotely');
  assert.equal(statusWord(fn('a', 'unknown', 1, { pending: true })), 'reading remote');
});

test('the function at the cursor: by symbol spans, else by the nearest key above', () => {
  const d = doc([fn('hello', 'in-sync', 12), fn('world', 'in-sync', 30)]);
  const spans = [
    { name: 'resources', startLine: 11, endLine: 40 }, { name: 'hello', startLine: 12, endLine: 29 },
    { name: 'world', startLine: 30, endLine: 40 }, { name: 'props', startLine: 14, endLine: 29 },
  ];
  assert.equal(functionAtLine(d, 20, spans)?.resource, 'hello');
  assert.equal(functionAtLine(d, 35, spans)?.resource, 'world');
  assert.equal(functionAtLine(d, 3, spans), undefined);
  assert.equal(functionAtLine(d, 20)?.resource, 'hello');
  assert.equal(functionAtLine(d, 31)?.resource, 'world');
  assert.equal(functionAtLine(d, 5), undefined);
});

test('command arguments as the server expects them', () => {
  assert.deepEqual(showDriftArgs('file:///p/s.yaml', 'hello'), ['file:///p/s.yaml', 'hello']);
  assert.deepEqual(refreshDriftArgs('file:///p/s.yaml'), ['file:///p/s.yaml']);
  assert.deepEqual(refreshDriftArgs(), []);
  assert.deepEqual(pullArgs('file:///p/s.yaml', 'hello', 7), ['file:///p/s.yaml', 'hello', 7]);
  assert.deepEqual(deployArgs('file:///p/s.yaml', 'hello'), ['file:///p/s.yaml', 'hello', { mode: 'localWins' }]);
  assert.deepEqual(deployArgs('file:///p/s.yaml', null), ['file:///p/s.yaml', null, { mode: 'localWins' }]);
});

test('lens invocations carry their arguments; palette ones are completed by the client', () => {
  assert.equal(needsArguments('sdls.showDrift', ['file:///p/s.yaml', 'hello']), false);
  assert.equal(needsArguments('sdls.showDrift', []), true);
  assert.equal(needsArguments('sdls.pull', ['file:///p/s.yaml', 'hello', 4]), false);
  assert.equal(needsArguments('sdls.pull', ['file:///p/s.yaml', 'hello']), true);
  assert.equal(needsArguments('sdls.deploy', ['file:///p/s.yaml', 'hello', { mode: 'localWins' }]), false);
  assert.equal(needsArguments('sdls.deploy', ['file:///p/s.yaml', null]), false);
  assert.equal(needsArguments('sdls.deploy', []), true);
  assert.equal(needsArguments('sdls.refreshDrift', []), true);
  assert.equal(needsArguments('sdls.refreshDrift', ['file:///p/s.yaml']), false);
  assert.equal(needsArguments('sdls.checkWorkspace', []), false);
});

test('pickers: deploy offers all + each function; pull only what has remote changes', () => {
  const d = doc([fn('hello', 'not-deployed', 12), fn('world', 'remote-drift', 30)]);
  const items = deployItems(d);
  assert.deepEqual(items.map((i) => i.resource), [null, 'hello', 'world']);
  assert.equal(items[0].label, 'All functions of this file');
  assert.equal(items[1].description, 'quickstart-hello · not deployed');
  assert.deepEqual(d.functions.filter(pullable).map((f) => f.resource), ['world']);
  assert.equal(pullable(fn('x', 'unknown', 1, { pending: true })), false);
  assert.equal(pullable(fn('x', 'conflict', 1)), true);
  assert.equal(pullable(fn('x', 'untracked', 1)), true);
});

test('the message after a pull', () => {
  assert.deepEqual(pullMessage('hello', { pulled: ['memorySize'], notPulled: [], editSent: true }),
    { level: 'info', text: 'sdls: pulled memorySize of hello into the editor; review and save the file.' });
  const partial = pullMessage('hello', {
    pulled: ['memorySize'], notPulled: [{ path: 'environmentVariables.TOKEN', reason: 'a secret' }], editSent: true,
  });
  assert.equal(partial?.level, 'warning');
  assert.match(partial!.text, /Not pulled: environmentVariables\.TOKEN \(a secret\)\./);
  assert.equal(pullMessage('hello', { pulled: [], notPulled: [{ path: 'code', reason: 'known only when s runs' }] })?.level, 'warning');
  assert.match(pullMessage('hello', { pulled: ['timeout'], editSent: false })!.text, /was not applied/);
  assert.equal(pullMessage('hello', null), undefined);
});
