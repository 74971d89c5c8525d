// Which documents sdls gets: s.yaml, s.yml, s-*.yaml, s-*.yml — selected by file pattern, so the
// language id stays `yaml` and every other YAML file stays with the other extensions.
import * as path from 'path';

export const FILE_PATTERNS = ['**/s.{yaml,yml}', '**/s-*.{yaml,yml}'];

export interface DocumentFilterLike {
  scheme: string;
  pattern: string;
}

/** The client's document selector (no `language`: whatever mode the file is in, it is an s.yaml). */
export function documentSelector(): DocumentFilterLike[] {
  return FILE_PATTERNS.map((pattern) => ({ scheme: 'file', pattern }));
}

const NAME = /^s(-[^/\\]*)?\.ya?ml$/;

/** Whether a file name matches one of FILE_PATTERNS (same rule, for the status bar and pickers). */
export function isSdlsFileName(fsPath: string): boolean {
  return NAME.test(path.basename(fsPath.replace(/\\/g, '/')));
}

/** Whether a document (scheme + path) is one the client sends to sdls. */
export function isSdlsDocument(scheme: string, fsPath: string): boolean {
  return scheme === 'file' && isSdlsFileName(fsPath);
}
