/**
 * The PyTorch comparison's plumbing, not its timing: reading the script's one JSON line, turning a
 * missing interpreter / script / torch module into a skipped row with its reason, and refusing output
 * that is not the promised line with an error that says what came. The last test runs the real script
 * when Debian's python3-torch is importable, and otherwise skips saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PYTHON, TORCH_SCRIPT, TorchOutputError, parseTorchOutput, runTorchStep, torchPrerequisiteMissing,
} from '../../src/bench/torch-comparison.ts';
import type { ProcessOutput } from '../../src/bench/torch-comparison.ts';
import { benchTrainingStep, demoNetDefinition, withBatchNormAfterEachConv } from '../../src/bench/training-bench.ts';
import { QUICK_TIMING } from '../../src/bench/measure.ts';
import { formatReport } from '../../src/bench/report.ts';
import type { BenchResult } from '../../src/bench/results.ts';
import { serialExecutor } from '../../src/parallel/serial-executor.ts';

const finished = (stdout: string, status: number | null = 0, stderr = ''): ProcessOutput => ({ status, stdout, stderr });

test('a measurement line is read, warnings printed before it are ignored', () => {
  const line = JSON.stringify({ torch: '1.13.0', threads: 2, batch: 32, stepMilliseconds: [30.5, 29.1, 31], cpuSeconds: 4.5 });
  const outcome = parseTorchOutput(finished(`UserWarning: something\n${line}\n`), 'PyTorch, 2 threads');
  assert.deepEqual(outcome, { kind: 'measured', torchVersion: '1.13.0', threads: 2, batch: 32, stepMilliseconds: [30.5, 29.1, 31], cpuSeconds: 4.5 });
});

test('torch that cannot be imported makes the row skipped, with the reason', () => {
  const outcome = parseTorchOutput(finished('{"unavailable": "cannot import torch: ModuleNotFoundError: No module named \'torch\'"}\n'), 'x');
  assert.deepEqual(outcome, { kind: 'unavailable', reason: "cannot import torch: ModuleNotFoundError: No module named 'torch'" });
});

test('an interpreter that cannot be started makes the row skipped', () => {
  const error = Object.assign(new Error('spawnSync /nope ENOENT'), { code: 'ENOENT' });
  const outcome = parseTorchOutput({ status: null, stdout: '', stderr: '', error }, 'x');
  assert.equal(outcome.kind, 'unavailable');
  assert.match((outcome as { reason: string }).reason, /ENOENT/);
});

test('output that is not the promised JSON line is an error saying what came and where', () => {
  const cases: Array<[ProcessOutput, RegExp]> = [
    [finished('step took 30 ms\n'), /PyTorch, 1 thread: expected one JSON line .*got "step took 30 ms"/],
    [finished(''), /expected one JSON line .*got nothing/],
    [finished('[1, 2]\n'), /expected a JSON object/],
    [finished('{"torch": "1.13", "threads": 1, "batch": 32}\n'), /expected \{"torch": version.*got \{"torch": "1.13"/],
    [finished('{"torch": "1.13", "threads": 1, "batch": 32, "stepMilliseconds": [0]}\n'), /positive numbers/],
    [finished('{"torch": "1.13", "threads": 1, "batch": 32, "stepMilliseconds": []}\n'), /stepMilliseconds/],
    [finished('', 2, 'torch-training-step.py: layer 3 (maxout) is not one this script builds'), /exited with status 2.*maxout/],
    [{ status: null, signal: 'SIGKILL', stdout: '', stderr: '' }, /killed by SIGKILL/],
  ];
  for (const [output, message] of cases) {
    assert.throws(() => parseTorchOutput(output, 'PyTorch, 1 thread'), (error: unknown) => {
      assert.ok(error instanceof TorchOutputError, `a TorchOutputError for ${JSON.stringify(output)}`);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('a missing interpreter or script is named before anything starts', () => {
  assert.match(torchPrerequisiteMissing('/nonexistent/python3') ?? '', /no \/nonexistent\/python3 .*python3-torch/);
  assert.match(torchPrerequisiteMissing(process.execPath, '/nonexistent/script.py') ?? '', /no \/nonexistent\/script\.py/);
  assert.equal(torchPrerequisiteMissing(process.execPath, TORCH_SCRIPT), undefined);
});

test('runTorchStep reads a real child process: skipped, measured, malformed (a stand-in script run by node)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'torch-comparison-'));
  try {
    const script = (name: string, body: string): string => {
      const file = join(folder, name);
      writeFileSync(file, body);
      return file;
    };
    const options = { python: process.execPath, layers: demoNetDefinition(), threads: 2, batch: 32, samples: 1, sampleMilliseconds: 1, warmupMilliseconds: 1 };
    const unavailable = script('unavailable.mjs', 'console.log(JSON.stringify({ unavailable: "cannot import torch: stand-in" }));');
    assert.deepEqual(runTorchStep({ ...options, script: unavailable }), { kind: 'unavailable', reason: 'cannot import torch: stand-in' });
    // The child sees its thread count and, on 2 threads, OMP_WAIT_POLICY=PASSIVE.
    const echo = script('echo.mjs', 'const a = process.argv; console.log(JSON.stringify({ torch: process.env.OMP_WAIT_POLICY, threads: Number(a[a.indexOf("--threads") + 1]), batch: Number(a[a.indexOf("--batch") + 1]), stepMilliseconds: [JSON.parse(a[a.indexOf("--layers") + 1]).length] }));');
    const measured = runTorchStep({ ...options, script: echo });
    assert.deepEqual(measured, { kind: 'measured', torchVersion: 'PASSIVE', threads: 2, batch: 32, stepMilliseconds: [demoNetDefinition().length], cpuSeconds: 0 });
    const malformed = script('malformed.mjs', 'console.log("32 examples/s");');
    assert.throws(() => runTorchStep({ ...options, script: malformed }), /PyTorch, 2 threads: expected one JSON line .*"32 examples\/s"/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('without the interpreter the train-step section emits our rows and a skipped PyTorch row that says why', () => {
  const results: BenchResult[] = [];
  benchTrainingStep({
    pair: serialExecutor, timing: QUICK_TIMING, quick: true, emit: (r) => results.push(r), progress: () => {},
    python: '/nonexistent/python3',
  });
  assert.deepEqual(results.map((r) => r.bench), ['train-step', 'train-step', 'skipped']);
  const skipped = results[2] as Extract<BenchResult, { bench: 'skipped' }>;
  assert.match(skipped.reason, /no \/nonexistent\/python3/);
  const report = formatReport(results, {});
  assert.match(report, /not timed:\n {2}PyTorch training step \(1 and 2 threads\): no \/nonexistent\/python3/);
  assert.match(report, /kernel tier simd/);
});

test('the batch-norm variant is the demo net with batch norm after each conv', () => {
  const plain = demoNetDefinition();
  const types = withBatchNormAfterEachConv(plain).map((layer) => layer.type);
  assert.equal(plain.filter((layer) => layer.type === 'conv').length, 3);
  assert.deepEqual(types.filter((_, index) => index > 0 && types[index - 1] === 'conv'), ['batchnorm', 'batchnorm', 'batchnorm']);
  assert.equal(types.length, plain.length + 3);
});

// Whether torch imports is learnt from the script's own first run (it answers {"unavailable": …} when
// it cannot import torch), not from a separate `python3 -c 'import torch'`: importing torch costs about
// a CPU-second, and this way each run of the spec imports it once per variant, not once more to ask.
test('the real script builds the demo net (with batch norm too) in PyTorch and prints its line', {
  skip: existsSync(DEFAULT_PYTHON) ? false : `there is no ${DEFAULT_PYTHON} here (Debian's python3 and python3-torch are not installed)`,
}, (t) => {
  for (const [variant, layers] of [demoNetDefinition(), withBatchNormAfterEachConv(demoNetDefinition())].entries()) {
    const outcome = runTorchStep({ python: DEFAULT_PYTHON, layers, threads: 1, batch: 4, samples: 2, sampleMilliseconds: 1, warmupMilliseconds: 1 });
    // Only the first run may find torch missing; after it imported once, 'unavailable' is a failure.
    if (variant === 0 && outcome.kind === 'unavailable' && /^cannot import torch/.test(outcome.reason)) {
      t.skip(`${DEFAULT_PYTHON} cannot import torch here (Debian's python3-torch is not installed): ${outcome.reason}`);
      return;
    }
    assert.equal(outcome.kind, 'measured');
    if (outcome.kind !== 'measured') return;
    assert.equal(outcome.threads, 1);
    assert.equal(outcome.batch, 4);
    assert.equal(outcome.stepMilliseconds.length, 2);
  }
});
