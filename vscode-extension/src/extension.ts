// sdls for VS Code: starts `sdls serve --stdio` for s.yaml files and adds the client side of the
// drift features (status bar, palette flows for the server's commands).
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  LSPErrorCodes,
  ResponseError,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import {
  DocumentDrift,
  DRIFT_STATUS_METHOD,
  DriftStatusResult,
  FunctionDrift,
  PickItem,
  PullResult,
  SERVER_COMMANDS,
  deployArgs,
  deployItems,
  functionAtLine,
  functionItems,
  needsArguments,
  pullArgs,
  pullable,
  pullMessage,
  refreshDriftArgs,
  showDriftArgs,
  summarize,
} from './logic/drift';
import { resolveServer, SERVER_ARGS } from './logic/resolve';
import { documentSelector, isSdlsDocument } from './logic/selector';

const CLIENT_ID = 'sdls'; // also makes vscode-languageclient honour `sdls.trace.server`
const STATUS_INTERVAL_MS = 5000;

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let fallbackCommands: vscode.Disposable[] = [];
let lastStartError: string | undefined;
let extensionDir = '';
let statusTimer: NodeJS.Timeout | undefined;
let statusInFlight = false;
let statusAgain = false;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionDir = context.extensionPath;
  output = vscode.window.createOutputChannel('sdls');
  statusItem = vscode.window.createStatusBarItem('sdls.drift', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'sdls drift';
  statusItem.command = SERVER_COMMANDS.showDrift;
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('sdls.restartServer', () => restart()),
    vscode.commands.registerCommand('sdls.showOutput', () => output.show(true)),
    vscode.window.onDidChangeActiveTextEditor(() => refreshStatus()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sdls.server.path')) {
        void vscode.window
          .showInformationMessage('sdls: sdls.server.path changed. Restart the language server to use it?', 'Restart')
          .then((choice) => (choice === 'Restart' ? restart() : undefined));
      }
    }),
    { dispose: () => statusTimer && clearInterval(statusTimer) },
  );
  statusTimer = setInterval(() => refreshStatus(), STATUS_INTERVAL_MS);
  await start();
}

export async function deactivate(): Promise<void> {
  if (statusTimer) clearInterval(statusTimer);
  await stop();
}

// --- the language client ---------------------------------------------------------------------

function executable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function settingsSection(): Record<string, unknown> {
  // A plain copy of the `sdls` section (the server ignores `server` and `trace`).
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('sdls')));
}

async function start(): Promise<void> {
  const resolved = resolveServer({
    settingPath: vscode.workspace.getConfiguration('sdls').get<string>('server.path'),
    extensionDir,
    platform: process.platform,
    arch: process.arch,
    pathEnv: process.env.PATH,
    pathExt: process.env.PATHEXT,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    home: os.homedir(),
    isExecutableFile: executable,
  });
  if (!resolved.ok) {
    failed(resolved.message);
    return;
  }
  output.appendLine(`[sdls client] starting ${resolved.path} ${SERVER_ARGS.join(' ')} --stdio (from ${resolved.source})`);
  const serverOptions: ServerOptions = {
    command: resolved.path,
    args: [...SERVER_ARGS],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: output,
    initializationOptions: { sdls: settingsSection() },
    synchronize: { configurationSection: 'sdls' },
    middleware: {
      executeCommand: (command, args, next) => executeServerCommand(command, args, next),
      provideCodeLenses: (document, token, next) => {
        const lenses = next(document, token);
        // The server asks for lenses again when remote reads land: the status bar follows.
        setTimeout(() => refreshStatus(), 300);
        return lenses;
      },
    },
  };
  const c = new LanguageClient(CLIENT_ID, 'sdls', serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((e) => {
    void vscode.commands.executeCommand('setContext', 'sdls.serverRunning', e.newState === State.Running);
    if (e.newState === State.Stopped && client === c) {
      statusItem.text = '$(warning) sdls: stopped';
      statusItem.tooltip = 'The sdls language server stopped. Click to restart it.';
      statusItem.command = 'sdls.restartServer';
    }
  });
  disposeFallbacks();
  try {
    await c.start();
    lastStartError = undefined;
    statusItem.command = SERVER_COMMANDS.showDrift;
    refreshStatus();
  } catch (err) {
    if (client === c) client = undefined;
    failed(`sdls: the language server ${resolved.path} did not start: ${messageOf(err)}. ` +
      'Check the binary (run it with `serve --stdio` in a terminal) or set sdls.server.path, then run "sdls: Restart Language Server".');
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c && c.needsStop()) {
    try {
      await c.stop();
    } catch (err) {
      output.appendLine(`[sdls client] stopping the server failed: ${messageOf(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  output.appendLine('[sdls client] restarting the language server');
  await stop();
  await start();
}

/** Shows why the server is not running; the server's command ids then explain it too. */
function failed(message: string): void {
  lastStartError = message;
  output.appendLine(`[sdls client] ${message}`);
  statusItem.text = '$(error) sdls: no server';
  statusItem.tooltip = message;
  statusItem.command = 'sdls.showOutput';
  statusItem.show();
  void vscode.commands.executeCommand('setContext', 'sdls.serverRunning', false);
  registerFallbacks();
  void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'sdls.server.path');
    if (choice === 'Show Log') output.show(true);
  });
}

// vscode-languageclient registers the server's command ids itself once the server runs; while it
// does not, these stand-ins say why instead of "command not found".
function registerFallbacks(): void {
  disposeFallbacks();
  for (const id of Object.values(SERVER_COMMANDS)) {
    try {
      fallbackCommands.push(
        vscode.commands.registerCommand(id, () =>
          vscode.window.showErrorMessage(lastStartError || 'sdls: the language server is not running.', 'Restart').then(
            (choice) => (choice === 'Restart' ? restart() : undefined),
          ),
        ),
      );
    } catch {
      // already registered by a running client
    }
  }
}

function disposeFallbacks(): void {
  for (const d of fallbackCommands) d.dispose();
  fallbackCommands = [];
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

// --- the server's commands: lens clicks pass their arguments, the palette asks for them --------

type Next = (command: string, args: unknown[]) => vscode.ProviderResult<unknown>;

async function executeServerCommand(command: string, args: unknown[], _next: Next): Promise<unknown> {
  const c = client;
  if (!c) return undefined;
  let finalArgs = args;
  if (needsArguments(command, args)) {
    const built = await argumentsFromEditor(command);
    if (!built) return undefined; // cancelled, or nothing to act on (already told)
    finalArgs = built;
  }
  try {
    // Through the server's workspace/executeCommand, with our own error messages (the default
    // handler drops ContentModified silently).
    const result = await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: finalArgs });
    if (command === SERVER_COMMANDS.showDrift) await showDriftFallback(result);
    if (command === SERVER_COMMANDS.pull) {
      const msg = pullMessage(String(finalArgs[1]), result as PullResult);
      if (msg) void (msg.level === 'info' ? vscode.window.showInformationMessage(msg.text) : vscode.window.showWarningMessage(msg.text));
    }
    return result;
  } catch (err) {
    if (err instanceof ResponseError && err.code === LSPErrorCodes.ContentModified) {
      void vscode.window.showWarningMessage(
        'sdls: the file changed since this action was offered; nothing was done. Try again from the updated lens.',
      );
    } else {
      void vscode.window.showErrorMessage(`sdls: ${command} failed: ${messageOf(err)}`);
    }
    return undefined;
  } finally {
    refreshStatus();
    setTimeout(() => refreshStatus(), 1500);
  }
}

/** When the client could not be shown the diff file (`uri: null`), show its text ourselves. */
async function showDriftFallback(result: unknown): Promise<void> {
  const r = result as { uri?: string | null; text?: string } | null;
  if (!r || r.uri || typeof r.text !== 'string') return;
  const doc = await vscode.workspace.openTextDocument({ content: r.text, language: 'diff' });
  await vscode.window.showTextDocument(doc, { preview: true });
}

function activeSdlsEditor(): vscode.TextEditor | undefined {
  const e = vscode.window.activeTextEditor;
  if (e && isSdlsDocument(e.document.uri.scheme, e.document.uri.fsPath)) return e;
  return undefined;
}

async function driftOf(uri: vscode.Uri): Promise<DocumentDrift | undefined> {
  const c = client;
  if (!c || c.state !== State.Running) return undefined;
  const res = await c.sendRequest<DriftStatusResult>(DRIFT_STATUS_METHOD, {
    textDocument: { uri: c.code2ProtocolConverter.asUri(uri) },
  });
  return res?.documents?.[0];
}

/** Symbols of the document with their full line spans (resource blocks), flattened. */
async function symbolSpans(uri: vscode.Uri): Promise<{ name: string; startLine: number; endLine: number }[] | undefined> {
  try {
    const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[]>(
      'vscode.executeDocumentSymbolProvider',
      uri,
    );
    if (!symbols || symbols.length === 0) return undefined;
    const out: { name: string; startLine: number; endLine: number }[] = [];
    const walk = (s: vscode.DocumentSymbol | vscode.SymbolInformation) => {
      const range = 'range' in s ? s.range : s.location.range;
      out.push({ name: s.name, startLine: range.start.line, endLine: range.end.line });
      if ('children' in s) s.children.forEach(walk);
    };
    symbols.forEach(walk);
    return out;
  } catch {
    return undefined;
  }
}

async function pick(items: PickItem[], placeHolder: string, preferred?: string | null): Promise<PickItem | undefined> {
  const qp = items.map((i) => ({ ...i, picked: preferred !== undefined && i.resource === preferred }));
  const ordered = preferred !== undefined ? [...qp.filter((i) => i.picked), ...qp.filter((i) => !i.picked)] : qp;
  return vscode.window.showQuickPick(ordered, { placeHolder, matchOnDescription: true });
}

async function argumentsFromEditor(command: string): Promise<unknown[] | undefined> {
  const editor = activeSdlsEditor();
  if (command === SERVER_COMMANDS.refreshDrift) {
    return editor ? refreshDriftArgs(client!.code2ProtocolConverter.asUri(editor.document.uri)) : refreshDriftArgs();
  }
  if (!editor) {
    void vscode.window.showWarningMessage('sdls: open an s.yaml (s.yaml, s.yml, s-*.yaml) first.');
    return undefined;
  }
  const uri = editor.document.uri;
  const version = editor.document.version;
  let doc: DocumentDrift | undefined;
  try {
    doc = await driftOf(uri);
  } catch (err) {
    void vscode.window.showErrorMessage(`sdls: cannot read the drift state: ${messageOf(err)}`);
    return undefined;
  }
  if (!doc || doc.functions.length === 0) {
    void vscode.window.showWarningMessage('sdls: this file has no function resources (fc3) to act on.');
    return undefined;
  }
  const protoUri = client!.code2ProtocolConverter.asUri(uri);
  const line = editor.selection.active.line;
  const spans = await symbolSpans(uri);
  const atCursor: FunctionDrift | undefined = spans ? functionAtLine(doc, line, spans) : undefined;

  if (command === SERVER_COMMANDS.showDrift) {
    const f = atCursor ?? (doc.functions.length === 1 ? doc.functions[0] : undefined);
    if (f) return showDriftArgs(protoUri, f.resource);
    const chosen = await pick(functionItems(doc), 'Show the drift diff of which function?');
    return chosen && chosen.resource ? showDriftArgs(protoUri, chosen.resource) : undefined;
  }
  if (command === SERVER_COMMANDS.pull) {
    const candidates = doc.functions.filter(pullable);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(
        'sdls: no function of this file has remote changes to pull (pull is for remote drift, conflicts and functions not deployed from here).',
      );
      return undefined;
    }
    let f = atCursor && pullable(atCursor) ? atCursor : candidates.length === 1 ? candidates[0] : undefined;
    if (!f) {
      const chosen = await pick(functionItems({ ...doc, functions: candidates }), 'Pull the remote config of which function?');
      f = chosen ? candidates.find((c) => c.resource === chosen.resource) : undefined;
    }
    // The version the user acted on: the server refuses (ContentModified) if the text moved on.
    return f ? pullArgs(protoUri, f.resource, version) : undefined;
  }
  if (command === SERVER_COMMANDS.deploy) {
    const chosen = await pick(deployItems(doc), 'Deploy (local wins) which functions?', atCursor ? atCursor.resource : undefined);
    return chosen ? deployArgs(protoUri, chosen.resource) : undefined;
  }
  return undefined;
}

// --- the status bar --------------------------------------------------------------------------

function refreshStatus(): void {
  if (statusInFlight) {
    statusAgain = true;
    return;
  }
  const editor = activeSdlsEditor();
  const c = client;
  if (!editor) {
    if (c) statusItem.hide();
    return;
  }
  if (!c || c.state !== State.Running) return; // the item already says why
  statusInFlight = true;
  driftOf(editor.document.uri)
    .then(
      (doc) => {
        if (vscode.window.activeTextEditor?.document.uri.toString() !== editor.document.uri.toString()) return;
        const s = summarize(doc);
        statusItem.text = s.text;
        statusItem.tooltip = s.tooltip;
        statusItem.backgroundColor = s.attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        statusItem.command = SERVER_COMMANDS.showDrift;
        statusItem.show();
      },
      () => {
        // ContentModified while typing, or the document is not open on the server yet: next tick.
      },
    )
    .finally(() => {
      statusInFlight = false;
      if (statusAgain) {
        statusAgain = false;
        setTimeout(() => refreshStatus(), 100);
      }
    });
}
