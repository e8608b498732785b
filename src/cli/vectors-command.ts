/**
 * `vectors --out <dir>`: regenerates the port kit's vector files (src/vectors/families.ts) into a
 * folder — one JSON per module family plus manifest.json — each written atomically. The porting guide
 * (README.md in spec/vectors/) is written by hand and left alone. `--check` compares instead of
 * writing: exit 1 and the names of the files that differ (what spec/vectors/vectors.spec.ts asserts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { generateVectors } from '../vectors/families.ts';
import { parseOptions } from './args.ts';

const DESCRIPTION = 'Regenerate the port kit\'s spec vectors (one JSON per module family + manifest.json) into a folder.';

const OPTIONS = {
  out: { type: 'string', value: '<dir>', default: 'spec/vectors', help: 'folder to write (created if missing)' },
  check: { type: 'boolean', help: 'write nothing: exit 1 if the folder\'s files differ from what the code generates' },
} as const;

export async function vectorsCommand(argv: string[]): Promise<number> {
  const options = parseOptions('vectors', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const out = options.out ?? 'spec/vectors';
  const started = performance.now();
  const { files, manifest } = await generateVectors();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (options.check) {
    const differing = Object.entries(files).filter(([name, text]) => {
      const file = path.join(out, name);
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
    }).map(([name]) => name);
    console.log(differing.length === 0 ? `vectors: ${out} is up to date (generated in ${seconds} s)` : `vectors: differ from the code: ${differing.join(', ')}`);
    return differing.length === 0 ? 0 : 1;
  }
  fs.mkdirSync(out, { recursive: true });
  let total = 0;
  for (const [name, text] of Object.entries(files)) {
    writeFileAtomicSync(path.join(out, name), text);
    total += Buffer.byteLength(text);
  }
  const cases = manifest.files.reduce((sum, f) => sum + f.cases.length, 0);
  console.log(`vectors: ${manifest.files.length} files, ${cases} cases, ${(total / 1024).toFixed(0)} KiB written to ${out} in ${seconds} s`);
  return 0;
}
