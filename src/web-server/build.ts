/**
 * The browser build: `tsc -p src/web/tsconfig.build.json` compiles the portable core (src/index.ts
 * and what it imports) and the page scripts (src/web/) to ES modules in dist/web/, with the relative
 * `.ts` imports rewritten to `.js` (rewriteRelativeImportExtensions) and `.d.ts` files beside them —
 * loadable from `<script type="module">` with no bundler. `npm run build` runs the same command.
 *
 * `ensureBuilt` is what `npm run demo` calls: it rebuilds only when a source is newer than the
 * last build (by `npm run build` or by itself).
 *
 * Node-facing (node:fs, node:child_process).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PAGES_ROOT = path.join(REPOSITORY_ROOT, 'src', 'web');
export const BUILD_CONFIG = path.join(PAGES_ROOT, 'tsconfig.build.json');
/** The git-ignored build output. */
export const BUILD_ROOT = path.join(REPOSITORY_ROOT, 'dist', 'web');
/** An output every build rewrites (tsc writes every file each time): its time is the last build's time. */
const STAMP = path.join(BUILD_ROOT, 'index.js');

/** Newest modification time (ms) of the .ts files under `folder` and of the build config. */
function newestSource(folder: string): number {
  let newest = fs.statSync(BUILD_CONFIG).mtimeMs;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** True when dist/web is missing or older than a source file. */
export function buildIsStale(): boolean {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false });
  return !stamp || stamp.mtimeMs < newestSource(path.join(REPOSITORY_ROOT, 'src'));
}

/** Runs the build; returns what tsc printed. @throws ConfigError when tsc fails or cannot be found. */
export function runBuild(): string {
  const tsc = path.join(REPOSITORY_ROOT, 'node_modules', '.bin', 'tsc');
  if (!fs.existsSync(tsc)) throw new ConfigError(`build: ${tsc} not found; run npm ci first`);
  const result = spawnSync(tsc, ['-p', BUILD_CONFIG], { cwd: REPOSITORY_ROOT, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new ConfigError(`build: tsc -p ${path.relative(REPOSITORY_ROOT, BUILD_CONFIG)} failed:\n${output}`);
  return output;
}

/** Builds when stale; returns true if it built. */
export function ensureBuilt(): boolean {
  if (!buildIsStale()) return false;
  runBuild();
  return true;
}
