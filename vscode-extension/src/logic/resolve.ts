// Which `sdls` binary the extension starts. Pure logic (no `vscode` import) so it is unit-tested
// without VS Code; extension.ts passes the real file system and environment in.
import * as path from 'path';

export type ServerSource = 'setting' | 'bundled' | 'path';

export interface ResolveInput {
  /** The `sdls.server.path` setting ("" or undefined when unset). */
  settingPath?: string;
  /** The extension's install folder (bundled binaries live in `server/<platform>-<arch>/`). */
  extensionDir: string;
  platform: string; // process.platform
  arch: string; // process.arch
  /** The PATH of the extension host. */
  pathEnv?: string;
  /** Windows' PATHEXT (only used on win32). */
  pathExt?: string;
  /** The first workspace folder: a relative `sdls.server.path` is resolved against it. */
  workspaceFolder?: string;
  /** The user's home folder: `~/` in `sdls.server.path` is expanded. */
  home?: string;
  /** Whether `p` is an existing file we may execute. */
  isExecutableFile: (p: string) => boolean;
}

export type Resolved =
  | { ok: true; source: ServerSource; path: string }
  | { ok: false; message: string; tried: string[] };

export const SERVER_ARGS = ['serve']; // vscode-languageclient appends `--stdio` for the stdio transport

/** `server/<platform>-<arch>/sdls` (`sdls.exe` on Windows): where `npm run package -- --server` puts it. */
export function bundledServerPath(extensionDir: string, platform: string, arch: string): string {
  return path.join(extensionDir, 'server', `${platform}-${arch}`, platform === 'win32' ? 'sdls.exe' : 'sdls');
}

/** Expands `~/` and resolves a relative path against the workspace folder. */
export function expandSettingPath(p: string, home?: string, workspaceFolder?: string): string {
  let out = p.trim();
  if (home && (out === '~' || out.startsWith('~/') || out.startsWith('~\\'))) {
    out = path.join(home, out.slice(1));
  }
  if (!path.isAbsolute(out) && workspaceFolder) {
    out = path.resolve(workspaceFolder, out);
  }
  return out;
}

/** Searches PATH for `name` like a shell does. */
export function findOnPath(name: string, input: Pick<ResolveInput, 'pathEnv' | 'pathExt' | 'platform' | 'isExecutableFile'>): string | undefined {
  const sep = input.platform === 'win32' ? ';' : ':';
  const exts = input.platform === 'win32' ? (input.pathExt || '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const dir of (input.pathEnv || '').split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (input.isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The resolution order:
 * 1. `sdls.server.path` when set (an explicit choice; a path that is not an executable file is an
 *    error, never silently replaced by another binary),
 * 2. the binary bundled in the .vsix for this platform (`server/<platform>-<arch>/sdls`),
 * 3. `sdls` on PATH.
 */
export function resolveServer(input: ResolveInput): Resolved {
  const tried: string[] = [];
  const setting = (input.settingPath || '').trim();
  if (setting) {
    const p = expandSettingPath(setting, input.home, input.workspaceFolder);
    if (input.isExecutableFile(p)) return { ok: true, source: 'setting', path: p };
    return {
      ok: false,
      tried: [p],
      message:
        `sdls: the setting sdls.server.path is "${setting}", but ${p} is not an executable file. ` +
        'Fix the path (or clear the setting to use the bundled binary or `sdls` on PATH), then run "sdls: Restart Language Server".',
    };
  }
  const bundled = bundledServerPath(input.extensionDir, input.platform, input.arch);
  tried.push(bundled);
  if (input.isExecutableFile(bundled)) return { ok: true, source: 'bundled', path: bundled };
  const onPath = findOnPath('sdls', input);
  if (onPath) return { ok: true, source: 'path', path: onPath };
  tried.push('sdls on PATH');
  return {
    ok: false,
    tried,
    message:
      `sdls: the language server binary was not found (this extension bundles none for ${input.platform}-${input.arch}, ` +
      'sdls.server.path is not set and `sdls` is not on PATH). Install sdls (in the sdls repository: ' +
      '`cargo install --path server/cli`) so that `sdls` is on PATH, or set sdls.server.path to the full path of the binary, ' +
      'then run "sdls: Restart Language Server".',
  };
}
