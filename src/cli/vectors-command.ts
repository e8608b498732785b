/**
 * `vectors --out <dir>`: regenerates the port kit's vector files (src/vectors/families.ts) into a
 * folder — one JSON per module family plus manifest.json — each written atomically. The porting guide
 * (README.md in spec/vectors/) is written by hand and left alone. `--check` compares instead of
 * writing: exit 1 and the names of the files that differ (what spec/vectors/vectors.spec.ts asserts).
 * `--run <dir>` runs the library against a folder of vector files with the portable runner
 * (src/vectors/runner.ts), on the tier and convolution given: one line per failing case, a count, and
 * exit 1 if any case failed. A missing, truncated or altered file stops it with a DataError naming
 * the file and the case (exit 3).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { generateVectors } from '../vectors/families.ts';
import { runVectors } from '../vectors/runner.ts';
import { VectorFileError } from '../vectors/format.ts';
import { KERNEL_TIERS, kernelTier, parseKernelTier, setKernelTier } from '../kernels/engines/kernel-tier.ts';
import { CONV_IMPLEMENTATIONS } from '../layers/conv2d.ts';
import type { ConvImplementation } from '../layers/conv2d.ts';
import { parseOptions } from './args.ts';

const DESCRIPTION = 'Regenerate the port kit\'s spec vectors (one JSON per module family + manifest.json) into a folder.';

const OPTIONS = {
  out: { type: 'string', value: '<dir>', default: 'spec/vectors', help: 'folder to write (created if missing)' },
  check: { type: 'boolean', help: 'write nothing: exit 1 if the folder\'s files differ from what the code generates' },
  run: { type: 'string', value: '<dir>', help: 'write nothing: run the library against the vector files in <dir> (exit 1 if a case fails)' },
  tier: { type: 'string', value: '<tier>', help: 'with --run: kernel tier ceiling, simd, asm or portable', choices: KERNEL_TIERS },
  conv: { type: 'string', value: '<impl>', help: 'with --run: run every conv case on implicit-gemm, im2col or naive (other orders are held to the cases\' stated tolerance)', choices: CONV_IMPLEMENTATIONS },
} as const;

/** `--run <dir>`: every case of the folder through the portable runner; the exit code says whether all passed. */
async function runFolder(dir: string, conv: ConvImplementation | undefined): Promise<number> {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new VectorFileError('manifest.json', undefined, `not found in ${dir}`);
  const manifest = fs.readFileSync(manifestFile, 'utf8');
  // Every other .json of the folder; the runner checks them against the manifest (missing, altered, extra cases).
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'manifest.json').sort()) {
    files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  }
  const report = await runVectors({ manifest, files }, conv ? { conv } : {});
  for (const result of report.results.filter((r) => !r.passed)) {
    console.log(`FAIL ${result.file} case '${result.caseName}': ${result.detail} (${result.checked})`);
  }
  const exact = report.results.filter((r) => r.exact).length;
  console.log(`vectors: ${report.passed}/${report.results.length} cases pass (${exact} bit for bit), kernel tier ${kernelTier()}${conv ? `, conv ${conv}` : ''}`);
  return report.failed === 0 ? 0 : 1;
}

export async function vectorsCommand(argv: string[]): Promise<number> {
  const options = parseOptions('vectors', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  if (options.tier !== undefined) setKernelTier(parseKernelTier(options.tier, 'vectors --tier'));
  if (options.run !== undefined) return runFolder(options.run, options.conv as ConvImplementation | undefined);
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
