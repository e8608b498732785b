/**
 * `export-onnx` and `import` as a user runs them: a saved model goes out to ONNX and back, and
 * `predict --json` gives the same probabilities for both model files; bad input ends with one typed
 * line naming the file, the right exit code, and nothing at --out (not even a temporary file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOnnxModel } from '../../src/formats/onnx-proto.ts';
import { encodePortablePng } from '../../src/io/png-encoder.ts';
import { RICH_NETWORK, makeModel, makePixels, makePreprocessing } from '../formats/fixtures.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-onnx-cli-'));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args], {
    cwd: scratch, encoding: 'utf8', env: { ...process.env, CIFAR10_PATH: '' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function oneLineError(result: { code: number; stderr: string }, code: number, ...fragments: string[]): void {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  for (const fragment of fragments) assert.ok(lines[0].includes(fragment), `'${lines[0]}' should contain '${fragment}'`);
}

const { file } = makeModel(RICH_NETWORK, [3, 8, 8], { preprocessing: makePreprocessing(3), classNames: ['cat', 'dog', 'ship', 'frog'] });
const modelPath = path.join(scratch, 'model.json');
fs.writeFileSync(modelPath, JSON.stringify(file));

test('export-onnx → import --from onnx → predict gives the same probabilities as the original model', () => {
  const onnx = path.join(scratch, 'out', 'model.onnx');
  const exported = cli('export-onnx', '--model', modelPath, '--out', onnx, '--json');
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(JSON.parse(exported.stdout).bytes, fs.statSync(onnx).size);
  assert.equal(decodeOnnxModel(fs.readFileSync(onnx), onnx).graph.outputs[0].name, 'probabilities');

  const back = path.join(scratch, 'back', 'model.json');
  const imported = cli('import', '--from', 'onnx', onnx, '--out', back);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /with preprocessing/);

  const pixels = makePixels(1, [3, 8, 8], 21);
  const hwc = new Uint8Array(3 * 64);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 64; p++) hwc[p * 3 + c] = pixels[c * 64 + p];
  const png = path.join(scratch, 'image.png');
  fs.writeFileSync(png, encodePortablePng({ width: 8, height: 8, channels: 3, pixels: hwc }));
  const probabilities = (model: string) => {
    const result = cli('predict', '--model', model, '--top', '4', '--json', png);
    assert.equal(result.code, 0, result.stderr);
    const top = (JSON.parse(result.stdout) as { top: Array<{ class: string; probability: number }> }).top;
    return Object.fromEntries(top.map((entry) => [entry.class, entry.probability]));
  };
  const original = probabilities(modelPath);
  const roundTrip = probabilities(back);
  assert.deepEqual(Object.keys(roundTrip).sort(), ['cat', 'dog', 'frog', 'ship']);
  for (const name of Object.keys(original)) assert.ok(Math.abs(original[name] - roundTrip[name]) <= 1e-6, `${name}: ${original[name]} vs ${roundTrip[name]}`);
});

test('bad input: one typed line naming the file, and nothing written at --out', () => {
  const outFolder = path.join(scratch, 'refused');
  fs.mkdirSync(outFolder);
  const garbage = path.join(scratch, 'garbage.onnx');
  fs.writeFileSync(garbage, Uint8Array.from([0x0a, 0xff, 0x01, 0x02, 0x03]));
  oneLineError(cli('import', '--from', 'onnx', garbage, '--out', path.join(outFolder, 'model.json')), 3, 'DataError: ', garbage, 'truncated');

  const broken = path.join(scratch, 'broken.json');
  fs.writeFileSync(broken, JSON.stringify({ ...file, format: 'something-else' }));
  oneLineError(cli('export-onnx', '--model', broken, '--out', path.join(outFolder, 'broken.onnx')), 3, 'DataError: ', broken);

  oneLineError(cli('import', '--from', 'onnx', path.join(scratch, 'missing.onnx'), '--out', path.join(outFolder, 'model.json')), 3, 'missing.onnx');
  oneLineError(cli('import', '--from', 'convnetjs', garbage, '--out', path.join(outFolder, 'model.json')), 3, 'DataError: ', garbage);
  oneLineError(cli('import', '--from', 'caffe', garbage, '--out', path.join(outFolder, 'model.json')), 2, 'ConfigError: ', '--from');
  oneLineError(cli('export-onnx', '--model', modelPath), 2, '--out');
  assert.deepEqual(fs.readdirSync(outFolder), [], 'nothing, not even a temporary file, is left at --out');

  // A failed import leaves an existing file at --out as it was.
  const existing = path.join(outFolder, 'keep.json');
  fs.writeFileSync(existing, 'previous');
  oneLineError(cli('import', '--from', 'onnx', garbage, '--out', existing), 3, garbage);
  assert.equal(fs.readFileSync(existing, 'utf8'), 'previous');
  assert.deepEqual(fs.readdirSync(outFolder), ['keep.json']);
});
