// Builds the .vsix: `npm run package -- [--server <path to sdls>] [--target <platform>-<arch>]
// [--strip] [--out <file.vsix>]`.
// --server copies that binary into server/<platform>-<arch>/sdls (default: this machine's
// platform and arch), where the extension looks first when sdls.server.path is not set.
// --strip removes debug sections from the copy (objcopy --strip-debug; a debug build shrinks a lot).
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
function option(name) {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
const server = option('--server');
const target = option('--target') || `${process.platform}-${process.arch}`;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(option('--out') || path.join(root, `${pkg.name}-${pkg.version}.vsix`));
const strip = argv.includes('--strip');

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--minify'], { stdio: 'inherit' });

const serverDir = path.join(root, 'server');
fs.rmSync(serverDir, { recursive: true, force: true });
if (server) {
  if (!fs.statSync(server).isFile()) throw new Error(`--server ${server} is not a file`);
  const dest = path.join(serverDir, target, target.startsWith('win32') ? 'sdls.exe' : 'sdls');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  let stripped = false;
  if (strip) {
    try {
      execFileSync('objcopy', ['--strip-debug', server, dest], { stdio: 'inherit' });
      stripped = true;
    } catch (err) {
      console.warn(`objcopy --strip-debug failed (${err.message}); bundling the binary as it is`);
    }
  }
  if (!stripped) {
    fs.copyFileSync(server, dest);
  }
  fs.chmodSync(dest, 0o755);
  console.log(`bundled ${server} as ${path.relative(root, dest)} (${(fs.statSync(dest).size / 1e6).toFixed(1)} MB)`);
}

const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
execFileSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links',
    ...(server ? ['--target', target] : []), '-o', out],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CI: 'true' } },
);
console.log(`packaged ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
