/**
 * End-to-end specs of the command line: each test runs `src/cli.ts` in a child process, as a user
 * would, on the small embedded generated dataset, and checks exit codes, output and written files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng, encodePng } from '../../src/io/png.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-cli-'));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args], {
    cwd: scratch, encoding: 'utf8', env: { ...process.env, CIFAR10_PATH: '' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

test('help lists the commands; an unknown command or option exits 2 (ConfigError), a bad geometry 4 (ShapeError)', () => {
  const help = cli('--help');
  assert.equal(help.code, 0);
  for (const name of ['start', 'linear', 'train', 'eval', 'predict', 'fold', 'summary', 'gradcheck', 'report', 'bench']) {
    assert.match(help.stdout, new RegExp(`\\n  ${name} `));
  }
  const unknown = cli('fly');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'fly'/);
  const badOption = cli('summary', '--colour', 'red');
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /ConfigError: summary: .*colour/);
});

test('summary prints shapes and parameter counts; a bad geometry names the layer and the arithmetic', () => {
  const ok = cli('summary', '--net', 'conv5x5x16p2-relu-pool2-fc10-softmax');
  assert.equal(ok.code, 0, ok.stderr);
  // conv: 16·(3·5·5) + 16 = 1,216; fc: 10·(16·16·16) + 10 = 40,970; total 42,186.
  assert.match(ok.stdout, /conv1\s+conv\s+\(16, 32, 32\)\s+1,216/);
  assert.match(ok.stdout, /fc1\s+fc\s+\(10\)\s+40,970/);
  assert.match(ok.stdout, /total parameters: 42,186/);
  const bad = cli('summary', '--input', '3x7x7', '--net', 'conv3x3x4s3-relu-fc10-softmax');
  assert.equal(bad.code, 4);
  assert.match(bad.stderr, /conv1: cannot apply a 3x3 filter to a 7x7 input with stride 3: \(7-3\+0\)\/3\+1 = 2\.33/);
});

test('train → eval → predict → resume on the generated set', () => {
  const out = path.join(scratch, 'run');
  const common = ['--data', 'generated', '--train-limit', '300', '--test-limit', '60', '--batch', '25', '--workers', '1'];
  // With patch whitening, so eval, predict and resume are shown to reapply the same preprocessing.
  const trained = cli('train', ...common, '--net', 'conv3x3x4p1-relu-pool2-fc10-softmax', '--whiten', '3', '--epochs', '1', '--out', out, '--json');
  assert.equal(trained.code, 0, trained.stderr);
  const whitening = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).preprocessing.whitening;
  assert.equal(whitening.size, 3);
  assert.equal(whitening.kernel.length, 3 * 3 * 3 * 3);
  const lines = jsonLines(trained.stdout);
  const final = lines.at(-1)!;
  assert.equal(final.kind, 'final');
  assert.equal(final.steps, 12);
  assert.ok(typeof final.examplesPerSecond === 'number' && (final.examplesPerSecond as number) > 0);
  for (const file of ['model.json', 'checkpoint.json', 'metrics.jsonl', 'run.json', 'report.html', 'confusion.svg', 'filters-conv1.png']) {
    assert.ok(fs.existsSync(path.join(out, file)), `${file} written`);
  }
  // The kernel tier in force is on record in the final line, the metrics header and the report.
  assert.equal(final.tier, 'simd');
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n')[0]).tier, 'simd');
  assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /Kernel tier: simd/);

  const evaluated = cli('eval', '--model', out, '--data', 'generated', '--limit', '60', '--json');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.equal(jsonLines(evaluated.stdout)[0].accuracy, final.testAccuracy);

  const image = path.join(scratch, 'red.png');
  const pixels = new Uint8Array(40 * 40 * 3);
  for (let i = 0; i < pixels.length; i += 3) pixels[i] = 200;
  fs.writeFileSync(image, encodePng({ width: 40, height: 40, channels: 3, pixels }));
  const predicted = cli('predict', '--model', out, '--json', image);
  assert.equal(predicted.code, 0, predicted.stderr);
  const top = jsonLines(predicted.stdout)[0].top as { probability: number }[];
  assert.equal(top.length, 3);
  assert.ok(top[0].probability >= top[1].probability && top[1].probability >= top[2].probability);

  const reported = cli('report', out, '--image', image);
  assert.equal(reported.code, 0, reported.stderr);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /input: red\.png/, 'the activations section shows the given image');

  const resumed = cli('train', '--resume', out, '--epochs', '2', '--json');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(jsonLines(resumed.stdout).at(-1)!.steps, 24);
  const refused = cli('train', '--resume', out, '--batch', '7');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--batch cannot change when resuming/);
});

test('linear writes its class templates as a PNG of 10 tiles and reports test accuracy', () => {
  const out = path.join(scratch, 'linear');
  const run = cli('linear', '--data', 'generated', '--train-limit', '1000', '--epochs', '2', '--out', out, '--json');
  assert.equal(run.code, 0, run.stderr);
  const summary = jsonLines(run.stdout)[0];
  assert.ok((summary.testAccuracy as number) > 0.15, `test accuracy ${summary.testAccuracy} should beat chance (0.1)`);
  const png = decodePng(fs.readFileSync(path.join(out, 'templates.png')));
  assert.equal(png.channels, 3);
  assert.ok(png.width > 5 * 32 && png.height > 2 * 32);
});

test('a missing dataset path is a clear error with exit code 2 (a ConfigError about --data)', () => {
  const run = cli('train', '--data', path.join(scratch, 'nowhere'), '--epochs', '1');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /neither a dataset name .* nor an existing path/);
});

test('the gradcheck command checks every layer type and all pass', async () => {
  const { gradcheckAllLayers } = await import('../../src/cli/gradcheck-command.ts');
  const rows = gradcheckAllLayers(3);
  const types = new Set(rows.map((r) => r.type));
  for (const type of ['conv', 'pool', 'fc', 'relu', 'leaky-relu', 'elu', 'sigmoid', 'tanh', 'maxout', 'softmax', 'batchnorm', 'dropout']) {
    assert.ok(types.has(type), `${type} is checked`);
  }
  const failed = rows.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `layers whose gradients disagree: ${failed.map((r) => `${r.layer}.${r.tensor}`).join(', ')}`);
});

test('--weight-decay is AdamW\'s; given with another rule it is refused, not silently dropped', async () => {
  const { optimizerConfig } = await import('../../src/cli/train-setup.ts');
  const config = optimizerConfig({ type: 'adamw', learningRate: 0.002, schedule: 'cosine', epochs: 4, weightDecay: 0.05 });
  assert.equal(config.weightDecay, 0.05);
  assert.throws(
    () => optimizerConfig({ type: 'adam', schedule: 'cosine', epochs: 4, weightDecay: 0.05 }),
    /--weight-decay is AdamW's decoupled decay; 'adam' takes an L2 penalty through --reg instead/,
  );
});

test('fold turns a trained conv-bn-relu net into the plain conv-relu net and measures both on the test set', () => {
  const out = path.join(scratch, 'bn-run');
  const trained = cli('train', '--data', 'generated', '--train-limit', '300', '--test-limit', '100', '--batch', '25', '--workers', '1',
    '--net', 'conv3x3x4p1-bn-relu-pool2-fc10-softmax', '--epochs', '1', '--out', out, '--json', '--no-report');
  assert.equal(trained.code, 0, trained.stderr);
  const folded = cli('fold', '--model', out, '--data', 'generated', '--limit', '100', '--json');
  assert.equal(folded.code, 0, folded.stderr);
  const result = jsonLines(folded.stdout)[0] as {
    foldedLayers: string[]; parameters: { original: number; folded: number }; accuracy: { original: number; folded: number }; changedPredictions: number;
  };
  assert.deepEqual(result.foldedLayers, ['bn1']);
  // The batchnorm's γ and β (2 × 4 channels) are gone; everything else is the plain net's.
  assert.equal(result.parameters.original - result.parameters.folded, 8);
  assert.equal(result.accuracy.original, jsonLines(trained.stdout).at(-1)!.testAccuracy);
  assert.ok(result.changedPredictions <= 1, `${result.changedPredictions} predictions changed`);
  assert.ok(Math.abs(result.accuracy.folded - result.accuracy.original) <= 0.01);
  const model = JSON.parse(fs.readFileSync(path.join(out, 'folded.json'), 'utf8'));
  assert.deepEqual(model.definition.map((d: { type: string }) => d.type), ['input', 'conv', 'relu', 'pool', 'fc', 'softmax']);
  const plain = cli('fold', '--model', path.join(out, 'folded.json'));
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /has no batchnorm layer directly after a conv or fc layer; nothing to fold/);
});
