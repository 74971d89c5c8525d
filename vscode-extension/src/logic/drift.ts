// The `sdls/driftStatus` result (docs/lsp-extensions.md) and what the client makes of it:
// the status-bar text, the pickers' items, and the arguments of the server's commands.

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export type DriftStatusKind =
  | 'in-sync' | 'local-changes' | 'remote-drift' | 'conflict' | 'untracked'
  | 'not-deployed' | 'deleted-remotely' | 'unknown';

export interface FunctionDrift {
  resource: string;
  functionName: string;
  region: string;
  remote: string;
  status: DriftStatusKind;
  reason?: string;
  range: Range | null;
  pending: boolean;
  fields?: { path: string; change: string }[];
}

export interface DocumentDrift {
  uri: string;
  version: number;
  remote: string;
  functions: FunctionDrift[];
  skipped: { resource: string; reason: string; range: Range | null }[];
}

export interface DriftStatusResult { documents: DocumentDrift[] }

export const DRIFT_STATUS_METHOD = 'sdls/driftStatus';

export const SERVER_COMMANDS = {
  checkWorkspace: 'sdls.checkWorkspace',
  showDrift: 'sdls.showDrift',
  refreshDrift: 'sdls.refreshDrift',
  pull: 'sdls.pull',
  deploy: 'sdls.deploy',
} as const;

/** Short words for each status, in the order the status bar lists them. */
const ORDER: [string, (f: FunctionDrift) => boolean][] = [
  ['reading', (f) => f.pending],
  ['in sync', (f) => !f.pending && f.status === 'in-sync'],
  ['local changes', (f) => !f.pending && f.status === 'local-changes'],
  ['drifted', (f) => !f.pending && (f.status === 'remote-drift' || f.status === 'untracked')],
  ['conflict', (f) => !f.pending && f.status === 'conflict'],
  ['deleted remotely', (f) => !f.pending && f.status === 'deleted-remotely'],
  ['not deployed', (f) => !f.pending && f.status === 'not-deployed'],
  ['unknown', (f) => !f.pending && f.status === 'unknown'],
];

/** A status word for one function (tooltip, pickers). */
export function statusWord(f: FunctionDrift): string {
  if (f.pending) return 'reading remote';
  if (f.status === 'unknown') return f.reason ? `unknown: ${firstLine(f.reason)}` : 'unknown';
  return f.status.replace(/-/g, ' ');
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

export interface StatusSummary {
  text: string;
  tooltip: string;
  /** Anything the user should look at (drift, conflict, deleted remotely). */
  attention: boolean;
}

/**
 * The status-bar summary of one document, e.g. `sdls: 1 in sync, 1 drifted` or
 * `sdls: local · 1 not deployed` (`local ·` when the embedded local emulator is the remote).
 */
export function summarize(doc: DocumentDrift | undefined): StatusSummary {
  if (!doc) return { text: 'sdls', tooltip: 'sdls: no drift state for this file yet', attention: false };
  const parts: string[] = [];
  for (const [word, test] of ORDER) {
    const n = doc.functions.filter(test).length + (word === 'unknown' ? doc.skipped.length : 0);
    if (n > 0) parts.push(`${n} ${word}`);
  }
  if (parts.length === 0) parts.push('no functions');
  const prefix = doc.remote === 'local' ? 'local · ' : '';
  const remoteLine =
    doc.remote === 'local' ? 'remote: the embedded local emulator (.s/emulator/)'
      : doc.remote === 'none' ? 'remote: not read yet'
        : doc.remote === 'mixed' ? 'remote: several remotes'
          : `remote: ${doc.remote}`;
  const lines = [remoteLine];
  for (const f of doc.functions) {
    lines.push(`${f.resource} (${f.functionName}${f.region ? ', ' + f.region : ''}): ${statusWord(f)}`);
  }
  for (const s of doc.skipped) lines.push(`${s.resource}: cannot be read remotely: ${firstLine(s.reason)}`);
  lines.push('', 'Click to show the drift diff of a function.');
  const attention = doc.functions.some(
    (f) => !f.pending && ['remote-drift', 'conflict', 'untracked', 'deleted-remotely'].includes(f.status),
  );
  return { text: `sdls: ${prefix}${parts.join(', ')}`, tooltip: lines.join('\n'), attention };
}

/** The function whose resource block holds `line`: the last function key at or above it. */
export function functionAtLine(doc: DocumentDrift, line: number, containing?: { name: string; startLine: number; endLine: number }[]): FunctionDrift | undefined {
  // Symbols from the server (full ranges) first, when the caller has them.
  if (containing) {
    const names = new Set(doc.functions.map((f) => f.resource));
    const hits = containing.filter((s) => names.has(s.name) && s.startLine <= line && line <= s.endLine);
    if (hits.length > 0) {
      const best = hits.sort((a, b) => (a.endLine - a.startLine) - (b.endLine - b.startLine))[0];
      return doc.functions.find((f) => f.resource === best.name);
    }
    return undefined;
  }
  let best: FunctionDrift | undefined;
  for (const f of doc.functions) {
    if (!f.range) continue;
    if (f.range.start.line <= line && (!best || f.range.start.line > (best.range as Range).start.line)) best = f;
  }
  return best;
}

export interface PickItem {
  label: string;
  description: string;
  resource: string | null;
}

/** Quick-pick items for one function. */
export function functionItems(doc: DocumentDrift): PickItem[] {
  return doc.functions.map((f) => ({
    label: f.resource,
    description: `${f.functionName} · ${statusWord(f)}`,
    resource: f.resource,
  }));
}

/** Quick-pick items for deploy: every function of the file, then each function. */
export function deployItems(doc: DocumentDrift): PickItem[] {
  return [
    { label: 'All functions of this file', description: `${doc.functions.length} function(s)`, resource: null },
    ...functionItems(doc),
  ];
}

/** Which functions pull can act on (the lens offers it for these states only). */
export function pullable(f: FunctionDrift): boolean {
  return !f.pending && ['remote-drift', 'conflict', 'untracked'].includes(f.status);
}

export function showDriftArgs(uri: string, resource: string): unknown[] {
  return [uri, resource];
}

export function refreshDriftArgs(uri?: string): unknown[] {
  return uri ? [uri] : [];
}

export function pullArgs(uri: string, resource: string, version: number): unknown[] {
  return [uri, resource, version];
}

/** Deploy as the lens does: local wins (the server asks before overwriting remote changes). */
export function deployArgs(uri: string, resource: string | null): unknown[] {
  return [uri, resource, { mode: 'localWins' }];
}

/**
 * Whether a server command was invoked without the arguments it needs (from the command palette,
 * a keybinding or the status bar), so the client must ask which function and build them.
 */
export function needsArguments(command: string, args: unknown[]): boolean {
  switch (command) {
    case SERVER_COMMANDS.showDrift:
      return !(typeof args[0] === 'string' && typeof args[1] === 'string');
    case SERVER_COMMANDS.pull:
      return !(typeof args[0] === 'string' && typeof args[1] === 'string' && typeof args[2] === 'number');
    case SERVER_COMMANDS.deploy:
      return !(typeof args[0] === 'string' && args.length >= 2);
    case SERVER_COMMANDS.refreshDrift:
      return args.length === 0;
    default:
      return false;
  }
}

/** What `sdls.pull` answers. */
export interface PullResult {
  pulled?: string[];
  notPulled?: { path: string; reason: string }[];
  editSent?: boolean;
}

/**
 * The message after a pull (the server shows none): what went into the editor, and what could
 * not be pulled and why (values from shared expressions, known only when `s` runs, …).
 */
export function pullMessage(resource: string, r: PullResult | null | undefined): { level: 'info' | 'warning'; text: string } | undefined {
  if (!r) return undefined;
  const pulled = r.pulled ?? [];
  const notPulled = r.notPulled ?? [];
  const parts: string[] = [];
  if (pulled.length > 0 && r.editSent !== false) {
    parts.push(`sdls: pulled ${pulled.join(', ')} of ${resource} into the editor; review and save the file.`);
  } else if (pulled.length === 0) {
    parts.push(`sdls: nothing of ${resource} could be pulled into the file.`);
  } else {
    parts.push(`sdls: the pull of ${resource} (${pulled.join(', ')}) was not applied.`);
  }
  if (notPulled.length > 0) {
    parts.push(`Not pulled: ${notPulled.map((n) => `${n.path} (${n.reason})`).join('; ')}.`);
  }
  const level = notPulled.length > 0 || pulled.length === 0 || r.editSent === false ? 'warning' : 'info';
  return { level, text: parts.join(' ') };
}
