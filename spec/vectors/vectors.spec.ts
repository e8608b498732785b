/**
 * The port kit's vectors (issue 16):
 *   (a) the committed files in spec/vectors/ are exactly what the code generates (after a kernel's
 *       arithmetic changes on purpose, rerun `npx tsx src/cli.ts vectors --out spec/vectors`);
 *   (b) every convolution implementation and every fc implementation, at every kernel tier, passes the
 *       conv / fc / gemm vectors within what each case promises (bit-exact for the default paths at
 *       every tier; the stated Σ|terms| tolerance for the naive and im2col orders);
 *   (c) the runner in src/vectors/ passes every case, and stops — naming the file and the case — on a
 *       missing, truncated or altered file, never reporting a pass it did not check;
 *   and the kit stays within 3 MiB and regenerates in under 10 s (printed, not asserted: timing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KERNEL_TIERS, gemmKernelTier, kernelTier, setKernelTier } from '../../src/index.ts';
import { convTileKernelTier } from '../../src/kernels/conv-implicit-gemm.ts';
import { WorkerPool } from '../../src/node.ts';
import type { ConvImplementation } from '../../src/index.ts';
import { generateVectors } from '../../src/vectors/families.ts';
import { VectorFileError } from '../../src/vectors/format.ts';
import type { Manifest } from '../../src/vectors/format.ts';
import { runVectors } from '../../src/vectors/runner.ts';
import type { VectorSource } from '../../src/vectors/runner.ts';

const FOLDER = path.dirname(fileURLToPath(import.meta.url));

function committed(): { manifest: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(FOLDER)) {
    if (name.endsWith('.json') && name !== 'manifest.json') files[name] = fs.readFileSync(path.join(FOLDER, name), 'utf8');
  }
  return { manifest: fs.readFileSync(path.join(FOLDER, 'manifest.json'), 'utf8'), files };
}

describe('spec vectors (the port kit)', () => {
  const tierBefore = kernelTier();
  after(() => setKernelTier(tierBefore));

  it('(a) the committed files are what the code generates, within 3 MiB', async () => {
    const started = performance.now();
    const generated = await generateVectors();
    console.log(`  generated ${Object.keys(generated.files).length} files in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const source = committed();
    const onDisk: Record<string, string> = { ...source.files, 'manifest.json': source.manifest };
    assert.deepEqual(Object.keys(onDisk).sort(), Object.keys(generated.files).sort(), 'file list');
    const stale = Object.keys(generated.files).filter((name) => onDisk[name] !== generated.files[name]);
    assert.deepEqual(stale, [], 'these files differ from what the code generates: rerun `npx tsx src/cli.ts vectors --out spec/vectors` if the change is intended');
    const bytes = Object.values(generated.files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    assert.ok(bytes <= 3 * 1024 * 1024, `the kit is ${bytes} bytes, over 3 MiB`);
  });

  it('(c) src/vectors/ uses only the public API (src/index.ts) and itself, and nothing from node:*', () => {
    const folder = path.resolve(FOLDER, '../../src/vectors');
    const files = fs.readdirSync(folder).filter((name) => name.endsWith('.ts'));
    assert.ok(files.includes('runner.ts') && files.includes('families.ts'));
    for (const name of files) {
      const imports = [...fs.readFileSync(path.join(folder, name), 'utf8').matchAll(/^\s*(?:import|export)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
      const outside = imports.filter((specifier) => specifier !== '../index.ts' && !/^\.\/[\w-]+\.ts$/.test(specifier));
      assert.deepEqual(outside, [], `src/vectors/${name} imports beyond the public API`);
    }
  });

  it('(c) the runner passes every case of every family, each fully compared', async () => {
    const source = committed();
    const report = await runVectors(source);
    const failures = report.results.filter((r) => !r.passed).map((r) => `${r.file} '${r.caseName}': ${r.detail}`);
    assert.deepEqual(failures, []);
    const manifest = JSON.parse(source.manifest) as { files: Array<{ cases: string[] }> };
    assert.equal(report.results.length, manifest.files.reduce((sum, f) => sum + f.cases.length, 0), 'every listed case ran');
    assert.ok(report.results.every((r) => r.compared > 0));
    // On the engine that generated them, even the tolerance cases come out bit for bit.
    assert.deepEqual(report.results.filter((r) => !r.exact).map((r) => r.caseName), []);
  });

  for (const tier of KERNEL_TIERS) {
    for (const conv of ['implicit-gemm', 'im2col', 'naive'] as ConvImplementation[]) {
      it(`(b) tier '${tier}', conv '${conv}': conv, fc and gemm vectors within their promises`, async () => {
        setKernelTier(tier);
        try {
          const fc = conv === 'naive' ? 'naive' : 'gemm';
          const report = await runVectors(committed(), { families: ['conv', 'fc', 'gemm'], conv, fc });
          const failures = report.results.filter((r) => !r.passed).map((r) => `${r.file} '${r.caseName}' (${r.checked}): ${r.detail}`);
          assert.deepEqual(failures, []);
          assert.ok(report.results.length >= 20);
          // The default paths keep their bit-exact promise on every tier (float32 contract, rule 5).
          if (conv === 'implicit-gemm') assert.ok(report.results.every((r) => r.checked === 'bit-exact' && r.exact));
          // The tier really ran (Node has WebAssembly SIMD and new Function, so no tier falls back).
          assert.equal(gemmKernelTier(), tier);
          assert.equal(convTileKernelTier(), tier);
        } finally {
          setKernelTier(tierBefore);
        }
      });
    }
  }

  it('(b) a worker pool of 3 threads gives the same bits: conv, fc, pool, batch norm and end to end', async () => {
    const pool = new WorkerPool({ workers: 3 });
    try {
      const report = await runVectors(committed(), { families: ['conv', 'fc', 'pool', 'batchnorm', 'end-to-end'], executor: pool });
      assert.deepEqual(report.results.filter((r) => !r.passed || !r.exact).map((r) => `${r.file} '${r.caseName}': ${r.detail}`), []);
    } finally {
      await pool.close();
    }
  });

  it('the vectors command writes the kit to --out; --check says whether a folder is up to date; --run runs it', () => {
    const root = path.resolve(FOLDER, '../..');
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-vectors-'));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), 'vectors', ...args], { cwd: scratch, encoding: 'utf8' });
    try {
      const out = path.join(scratch, 'kit');
      const written = cli('--out', out);
      assert.equal(written.status, 0, written.stderr);
      assert.match(written.stdout, /vectors: 19 files, \d+ cases, \d+ KiB written to .*kit in [\d.]+ s/);
      assert.deepEqual(fs.readdirSync(out).sort(), Object.keys(committed().files).concat('manifest.json').sort());
      assert.equal(cli('--check', '--out', out).status, 0);
      const run = cli('--run', out, '--tier', 'portable');
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`vectors: ${(JSON.parse(committed().manifest) as Manifest).files.reduce((n, f) => n + f.cases.length, 0)}/\\d+ cases pass \\(\\d+ bit for bit\\), kernel tier portable`));
      fs.appendFileSync(path.join(out, 'gemm.json'), ' ');
      const stale = cli('--check', '--out', out);
      assert.equal(stale.status, 1);
      assert.match(stale.stdout, /differ from the code: gemm\.json/);
      const altered = cli('--run', out);
      assert.equal(altered.status, 3, altered.stdout);
      assert.match(altered.stderr, /DataError: gemm\.json.*(altered|SHA-256|hash)/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  describe('bad input stops the runner with the file and the case named', () => {
    async function rejectsWith(source: VectorSource, pattern: RegExp): Promise<void> {
      await assert.rejects(runVectors(source), (error: unknown) => {
        assert.ok(error instanceof VectorFileError, `expected a VectorFileError, got ${error}`);
        assert.match((error as Error).message, pattern);
        return true;
      });
    }

    it('a missing file', async () => {
      const source = committed();
      delete source.files['pool.json'];
      await rejectsWith(source, /^pool\.json: missing/);
    });

    it('a truncated file names the first case that is cut', async () => {
      const source = committed();
      const text = source.files['losses.json']!;
      const cut = text.indexOf('softmax at zero scores');
      source.files['losses.json'] = text.slice(0, cut);
      await rejectsWith(source, /^losses\.json case 'softmax at zero scores: loss = ln C = ln 10': truncated/);
    });

    it('an altered expected value (one bit of base64) names its case', async () => {
      const source = committed();
      const manifest = JSON.parse(source.manifest) as { files: Array<{ file: string; cases: string[] }> };
      const target = manifest.files.find((f) => f.file === 'conv.json')!.cases[2]!;
      const lines = source.files['conv.json']!.split('\n');
      const index = lines.findIndex((line) => line.includes(JSON.stringify(target)));
      const at = lines[index]!.indexOf('"y":{"shape"');
      const b64 = lines[index]!.indexOf('"base64":"', at) + 10;
      const old = lines[index]![b64]!;
      lines[index] = lines[index]!.slice(0, b64) + (old === 'A' ? 'B' : 'A') + lines[index]!.slice(b64 + 1);
      source.files['conv.json'] = lines.join('\n');
      await rejectsWith(source, new RegExp(`^conv\\.json case '${target.replace(/[()[\]]/g, '\\$&')}': altered`));
    });

    it('an altered expected value with a recomputed checksum is still caught by the file hash', async () => {
      const source = committed();
      source.files['rng.json'] = source.files['rng.json']!.replace('"description":"', '"description":"edited ');
      await rejectsWith(source, /^rng\.json: altered: the SHA-256/);
    });

    it('a removed case names it', async () => {
      const source = committed();
      const parsed = JSON.parse(source.files['gemm.json']!) as { cases: Array<{ name: string }> };
      const removed = parsed.cases.splice(1, 1)[0]!;
      source.files['gemm.json'] = parsed as unknown as string;
      await rejectsWith(source, new RegExp(`^gemm\\.json case '${removed.name.replace(/[()[\]]/g, '\\$&')}': missing`));
    });

    it('a wrong result is reported as a failure of that case, never a pass', async () => {
      const source = committed();
      const parsed = JSON.parse(source.files['schedules.json']!) as { cases: Array<Record<string, any>> };
      // A consistent edit (checksum recomputed, parsed JSON so no file hash): only the comparison can catch it.
      const edited = parsed.cases[0]!;
      edited.expected.rates[4] += 1e-9; // the constant schedule with warm-up: bit-exact
      const { checksumText, sha256Hex } = await import('../../src/vectors/format.ts');
      delete edited.checksum;
      edited.checksum = await sha256Hex(checksumText(edited as never));
      const report = await runVectors({ manifest: source.manifest, files: { ...source.files, 'schedules.json': parsed } }, { families: ['schedules'] });
      const result = report.results.find((r) => r.caseName === edited.name)!;
      assert.equal(result.passed, false);
      assert.match(result.detail, /rates\[4\]/);
      assert.equal(report.failed, 1);
    });
  });
});
