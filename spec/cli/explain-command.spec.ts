/**
 * `explain` end to end, in a child process as a user runs it, on the embedded generated set with
 * hand-made model files (no training): every part written; bad input gives one typed line per part
 * that cannot be drawn, and the other parts are still written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '../../src/io/png.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { netToModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-explain-'));
const CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/cli.ts'), ...args], {
    cwd: scratch, encoding: 'utf8', env: { ...process.env, CIFAR10_PATH: '' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A model.json of `text` on `shape` with seeded random weights, in its own folder. */
function modelFolder(name: string, text: string, shape: number[]): string {
  const definition = parseCompactDefinition(text, shape);
  const net = buildNet(definition, new Rng(1));
  const folder = path.join(scratch, name);
  fs.mkdirSync(folder, { recursive: true });
  const preprocessing = { mean: new Array(shape[0]).fill(128), std: new Array(shape[0]).fill(64) };
  fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify(netToModelFile(net, definition, { classNames: CLASSES, preprocessing })));
  return folder;
}

const FAST = ['--data', 'generated', '--patch-images', '40', '--tsne-images', '40', '--tsne-iterations', '30', '--class-steps', '3'];

test('explain writes every picture and explain.html for a conv net', () => {
  const folder = modelFolder('conv', 'conv5x5x4p2-relu-pool2-conv3x3x4p1-relu-pool2-fc10-softmax', [3, 32, 32]);
  const run = cli('explain', '--model', folder, '--images', '0,3', '--units', '0,2', ...FAST);
  assert.equal(run.code, 0, run.stderr);
  const out = path.join(folder, 'explain');
  for (const file of ['occlusion-0.png', 'occlusion-3.png', 'saliency-3.png', 'top-patches-conv1.png', 'top-patches-conv2.png', 'class-models.png', 'tsne.png']) {
    const image = decodePng(fs.readFileSync(path.join(out, file)), file);
    assert.ok(image.width > 0 && image.height > 0, file);
  }
  // Occlusion and saliency keep the image's shape, upscaled 4× (32 px → 128 px).
  assert.equal(decodePng(fs.readFileSync(path.join(out, 'occlusion-0.png'))).width, 128);
  const html = fs.readFileSync(path.join(out, 'explain.html'), 'utf8');
  for (const id of ['occlusion', 'top-patches', 'class-models', 'tsne']) assert.match(html, new RegExp(`<section id="${id}">`));
  assert.match(html, /conv2: units 0, 2 \(one per row\), receptive field 10×10/);
  assert.doesNotMatch(html, /Not drawn/);

  // --report: the run folder's report.html gains the same sections; a bare model file is refused.
  const report = cli('explain', '--model', folder, '--report', '--images', '0', ...FAST);
  assert.equal(report.code, 0, report.stderr);
  const reportHtml = fs.readFileSync(path.join(folder, 'report.html'), 'utf8');
  for (const id of ['confusion', 'occlusion', 'top-patches', 'class-models', 'tsne']) assert.match(reportHtml, new RegExp(`<section id="${id}">`));
  const bare = cli('explain', '--model', path.join(folder, 'model.json'), '--report', ...FAST);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /ConfigError: --report: .*model\.json' is a model file/);
});

test('explain: bad image indices, units and layers, a net without conv layers, a net for other images — typed lines, the rest written', () => {
  const folder = modelFolder('conv-bad', 'conv3x3x2p1-relu-pool2-fc10-softmax', [3, 32, 32]);
  const out = path.join(scratch, 'bad-out');
  const run = cli('explain', '--model', folder, '--out', out, '--images', '1,5000', '--units', '7', ...FAST);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /explain: occlusion and saliency: DataError: --images: test image 5000 does not exist; 'generated-test' has images 0\.\.999/);
  assert.match(run.stderr, /explain: top patches: ConfigError: top patches: conv1 has 2 units \(0\.\.1\), got unit 7/);
  assert.equal(run.stderr.trim().split('\n').length, 2, run.stderr);
  for (const file of ['occlusion-1.png', 'saliency-1.png', 'class-models.png', 'tsne.png', 'explain.html']) assert.ok(fs.existsSync(path.join(out, file)), file);
  assert.match(fs.readFileSync(path.join(out, 'explain.html'), 'utf8'), /Not drawn:<\/strong> ConfigError: top patches: conv1 has 2 units/);

  const layer = cli('explain', '--model', folder, '--out', out, '--layers', 'conv7', ...FAST);
  assert.equal(layer.code, 1);
  assert.match(layer.stderr, /top patches: ConfigError: top patches: no conv layer 'conv7'; the conv layers are conv1/);

  const flat = modelFolder('flat', 'fc16-relu-fc10-softmax', [3, 32, 32]);
  const noConv = cli('explain', '--model', flat, ...FAST);
  assert.equal(noConv.code, 1);
  assert.match(noConv.stderr, /top patches: ConfigError: top patches: the network has no conv layers \(its layers: fc1, relu1, fc2, softmax1\)/);
  for (const file of ['occlusion-0.png', 'saliency-0.png', 'class-models.png', 'tsne.png']) assert.ok(fs.existsSync(path.join(flat, 'explain', file)), file);

  const grey = modelFolder('grey', 'conv3x3x2p1-relu-pool2-fc10-softmax', [1, 28, 28]);
  const mismatch = cli('explain', '--model', grey, ...FAST);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /occlusion and saliency: DataError: .*takes input \(1, 28, 28\) but 'generated-test' images are \(3, 32, 32\)/);
  assert.ok(fs.existsSync(path.join(grey, 'explain', 'class-models.png')), 'class models need no data');
});
