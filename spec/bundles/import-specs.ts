/**
 * Runs every `*.spec.ts` under one folder of spec/ in the calling process, in name order.
 *
 * Why: `node --test` starts one process per file it is given, and each start costs about half a
 * CPU-second of tsx (its loader thread, its transform cache) plus a second load of the modules under
 * test. Most spec files are small and compute little, so for them the start-up was most of the cost
 * of `npm test`. A bundle file in this folder (`spec/bundles/<folder>.ts`) imports all the spec files
 * of spec/<folder>/ (subfolders too) through this function, so `npm test` starts one process for the
 * folder instead of one per file; spec/bundles/test-files.sh gives `node --test` the bundles and, for
 * folders without a bundle, the spec files themselves.
 *
 * Nothing in a spec file changes: each still runs alone with `node --import tsx --test <file>`, and a
 * new spec file in a bundled folder is picked up by the directory listing, never forgotten. In one
 * process the files' tests run one after the other (the root test runs one test at a time), so a
 * spec that changes process-wide state (the kernel tier, process.env, the working directory) must
 * put it back when its test ends — every spec here does, in `finally` or `after`.
 *
 * Alone, a spec file is evaluated to its end before its first test starts; a test started while the
 * root is idle runs at once, so a later file's first test could start in the middle of its module —
 * before a `const` further down is set. The bundle's first test therefore stays pending until every
 * file has loaded (it fails naming the file that did not): the tests of all files wait in the queue
 * behind it, and each runs as it would alone, after its module has been evaluated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';

const SPEC_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Imports spec/<folder>/**\/*.spec.ts, sorted by path; @throws when the folder holds none. */
export async function importSpecs(folder: string): Promise<void> {
  const directory = path.join(SPEC_ROOT, folder);
  const files = (fs.readdirSync(directory, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.spec.ts'))
    .sort();
  if (files.length === 0) throw new Error(`spec/bundles: no *.spec.ts under spec/${folder}; remove its bundle`);
  let loaded!: (error?: Error) => void;
  const allLoaded = new Promise<void>((resolve, reject) => {
    loaded = (error) => (error ? reject(error) : resolve());
  });
  test(`spec/${folder}/: its ${files.length} spec files load in one process`, () => allLoaded);
  for (const name of files) {
    try {
      await import(pathToFileURL(path.join(directory, name)).href);
    } catch (error) {
      loaded(new Error(`spec/${folder}/${name} did not load: ${(error as Error).stack ?? error}`));
      return;
    }
  }
  loaded();
}
