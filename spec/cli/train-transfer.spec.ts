/**
 * Transfer learning through `train`: --init-from, --freeze, --replace-head, --lr-mult, --classes,
 * --per-class, on the embedded generated image set (always there) with a tiny net and a few steps.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DataError } from '../../src/errors.ts';
import { trainCommand } from '../../src/cli/train-command.ts';
import { loadModel } from '../../src/cli/model-loading.ts';
import { loadData } from '../../src/cli/datasets.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { copyWeightsByName } from '../../src/nn/copy-weights.ts';
import type { ModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const NET = 'conv3x3x4p1-relu-pool4-fc8-relu-fc10-softmax';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-ts-transfer-'));
const common = ['--data', 'generated', '--train-limit', '80', '--test-limit', '40', '--batch', '16', '--epochs', '1', '--workers', '1', '--no-report', '--json', '--augment', 'none'];
const sourceRun = path.join(scratch, 'source');
let runCount = 0;

/** Runs `train` quietly (its --json lines are swallowed) and returns the written model file. */
async function train(args: string[]): Promise<ModelFile> {
  const out = path.join(scratch, `run${++runCount}`);
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await trainCommand([...common, '--out', out, ...args]), 0);
  } finally {
    console.log = log;
  }
  return JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')) as ModelFile;
}

const layer = (file: ModelFile, name: string) => file.layers.find((l) => l.name === name)!;

/** One-line typed refusal whose message contains `fragment`. */
async function refused(args: string[], type: typeof ConfigError | typeof DataError, fragment: string): Promise<void> {
  await assert.rejects(trainCommand([...common, '--out', path.join(scratch, 'refused'), ...args]), (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), error.message);
    assert.ok(error.message.includes(fragment), `'${error.message}' lacks '${fragment}'`);
    return true;
  });
  assert.ok(!fs.existsSync(path.join(scratch, 'refused', 'model.json')), 'a refused run writes no model');
}

let source: ModelFile;
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
before(async () => {
  const log = console.log;
  console.log = () => {};
  try {
    await trainCommand([...common, '--net', NET, '--max-steps', '3', '--out', sourceRun]);
  } finally {
    console.log = log;
  }
  source = JSON.parse(fs.readFileSync(path.join(sourceRun, 'model.json'), 'utf8')) as ModelFile;
});

describe('train --init-from', () => {
  it('reproduces the source model\'s predictions before any step (weights copied by name, bit for bit)', () => {
    const loaded = loadModel(sourceRun);
    const fresh = buildNet(loaded.file.definition, new Rng(99));
    const x = Tensor.gaussian([5, 3, 32, 32], new Rng(5));
    assert.notDeepEqual(Array.from(fresh.predict(x).data), Array.from(loaded.net.predict(x).data));
    const { copied, fresh: kept } = copyWeightsByName(fresh, loaded.net, 'source');
    assert.deepEqual(copied, ['conv1', 'fc1', 'fc2']);
    assert.deepEqual(kept, []);
    assert.deepEqual(Array.from(fresh.predict(x).data), Array.from(loaded.net.predict(x).data));
  });

  it('with every weight layer frozen, training leaves the model exactly the source (net and preprocessing from the source)', async () => {
    const result = await train(['--init-from', sourceRun, '--freeze', 'conv1,fc1,fc2', '--max-steps', '2']);
    assert.deepEqual(result.layers, source.layers);
    assert.deepEqual(result.preprocessing, source.preprocessing);
  });

  it('--freeze conv1: conv1 unchanged bit for bit, the other layers trained', async () => {
    const result = await train(['--init-from', sourceRun, '--freeze', 'conv1', '--max-steps', '3']);
    assert.deepEqual(layer(result, 'conv1'), layer(source, 'conv1'));
    assert.notDeepEqual(layer(result, 'fc1').parameters.weights.float32, layer(source, 'fc1').parameters.weights.float32);
    assert.notDeepEqual(layer(result, 'fc2').parameters.weights.float32, layer(source, 'fc2').parameters.weights.float32);
  });

  it('--lr-mult conv1=0 gives exactly the model --freeze conv1 gives', async () => {
    const frozen = await train(['--init-from', sourceRun, '--freeze', 'conv1', '--max-steps', '3']);
    const zero = await train(['--init-from', sourceRun, '--lr-mult', 'conv1=0', '--max-steps', '3']);
    assert.deepEqual(zero.layers, frozen.layers);
    const slower = await train(['--init-from', sourceRun, '--lr-mult', 'conv1=0.5', '--max-steps', '3']);
    assert.notDeepEqual(layer(slower, 'conv1'), layer(source, 'conv1'));
    assert.notDeepEqual(layer(slower, 'conv1'), layer(frozen, 'conv1'));
  });

  it('--classes 5-9 --replace-head 5: a fresh 5-way head, the rest copied, class names kept', async () => {
    const result = await train(['--init-from', sourceRun, '--classes', '5-9', '--replace-head', '5', '--freeze', 'conv1,fc1', '--max-steps', '2']);
    const names = (await loadData('generated', { trainLimit: 80 })).splits.train.classNames;
    assert.deepEqual(result.classNames, names.slice(5, 10));
    assert.deepEqual(layer(result, 'fc2').parameters.weights.shape, [5, 8]);
    assert.deepEqual(layer(result, 'fc2').parameters.bias.shape, [5]);
    assert.deepEqual(layer(result, 'conv1'), layer(source, 'conv1'));
    assert.deepEqual(layer(result, 'fc1'), layer(source, 'fc1'));
    assert.equal(result.definition.at(-2)!.type === 'fc' && (result.definition.at(-2) as { units: number }).units, 5);
  });

  it('--per-class trains on the first n images of each class', async () => {
    await refused(['--net', NET, '--classes', '0-1', '--per-class', '1000'], DataError, '--per-class 1000: ');
    const result = await train(['--classes', '0-1', '--per-class', '3', '--max-steps', '1', '--net', 'conv3x3x4p1-relu-pool4-fc2-softmax']);
    assert.equal(result.classNames!.length, 2);
    const header = fs.readFileSync(path.join(scratch, `run${runCount}`, 'metrics.jsonl'), 'utf8').split('\n')[0];
    assert.match(header, /: 6 train, \d+ test/);
  });
});

describe('train: bad transfer-learning input is a typed one-line error', () => {
  it('refused before the data is read', async () => {
    await refused(['--replace-head', '5'], ConfigError, '--replace-head replaces the last fc layer of the model given by --init-from');
    await refused(['--init-from', sourceRun, '--whiten', '5'], ConfigError, '--whiten fits a new preprocessing');
    await refused(['--lr-mult', 'conv1'], ConfigError, "--lr-mult: cannot read 'conv1'");
    await refused(['--lr-mult', 'conv1=-1'], ConfigError, "--lr-mult: cannot read 'conv1=-1'");
    await refused(['--freeze', 'conv1,,fc1'], ConfigError, '--freeze: expected layer names separated by commas');
    await refused(['--freeze', 'conv1', '--lr-mult', 'conv1=0.1'], ConfigError, '--lr-mult: conv1 is also in --freeze');
    await refused(['--classes', '9-5'], ConfigError, '--classes: the range');
    await refused(['--per-class', '0'], ConfigError, '--per-class');
    await refused(['--replace-head', '1', '--init-from', sourceRun], ConfigError, '--replace-head');
    await refused(['--init-from', path.join(scratch, 'nowhere')], DataError, 'nowhere');
    // With --init-from and no --net, layer names are checked against the source before the data.
    await assert.rejects(trainCommand(['--data', path.join(scratch, 'no-such-data'), '--out', path.join(scratch, 'refused'), '--init-from', sourceRun, '--freeze', 'conv2']),
      (error: unknown) => error instanceof ConfigError && error.message === "--freeze: 'conv2' is not a layer with weights; the network's are conv1, fc1, fc2");
  });

  it('refused once the net and the data are known', async () => {
    await refused(['--net', NET, '--freeze', 'relu1,conv9'], ConfigError, "--freeze: 'relu1', 'conv9' are not a layer with weights; the network's are conv1, fc1, fc2");
    await refused(['--net', NET, '--lr-mult', 'pool1=2'], ConfigError, "--lr-mult: 'pool1' is not a layer with weights");
    await refused(['--net', NET, '--classes', '8-12'], DataError, "--classes: 'generated-train' has classes 0-9; 10, 11, 12 are not among them");
    await refused(['--init-from', sourceRun, '--classes', '5-9'], ConfigError, 'scores 10 classes but the data has 5; add --replace-head 5');
    await refused(['--init-from', sourceRun, '--classes', '5-9', '--replace-head', '4'], ConfigError, '--replace-head 4: the data has 5 classes');
    await refused(['--init-from', sourceRun, '--net', 'conv3x3x6p1-relu-pool4-fc8-relu-fc10-softmax'], DataError,
      'cannot start from these weights: conv1.weights is (4, 3, 3, 3) in the source, (6, 3, 3, 3) here; conv1.bias is (4) in the source, (6) here; fc1.weights is (8, 256) in the source, (8, 384) here');
    await refused(['--init-from', sourceRun, '--replace-head', '10', '--freeze', 'fc2'], ConfigError, '--freeze: fc2 is the head --replace-head makes fresh');
  });
});
