/**
 * loadModel (the CLI's way in for eval, predict, fold, report, summary --model): a model file goes
 * through the definition's whole validation — buildNet's loss-layer and size checks included — and
 * every refusal is a DataError naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.ts';
import { checkModelFitsData, loadModel } from '../../src/cli/model-loading.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { netToModelFile } from '../../src/nn/model-file.ts';
import { Rng } from '../../src/tensor/rng.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-model-loading-'));
const definition = parseCompactDefinition('conv3x3x2p1-relu-fc3-softmax', [1, 4, 4]);

function write(name: string, spoil: (file: Record<string, any>) => void): string {
  const file = JSON.parse(JSON.stringify(netToModelFile(buildNet(definition, new Rng(1)), definition, { classNames: ['a', 'b', 'c'] })));
  spoil(file);
  const location = path.join(scratch, name);
  fs.writeFileSync(location, JSON.stringify(file));
  return location;
}

function refused(location: string, ...fragments: string[]): void {
  assert.throws(() => loadModel(location), (error: Error) => {
    assert.equal(error.constructor, DataError, `expected a DataError, got ${error.name}: ${error.message}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `'${error.message}' should contain '${fragment}'`);
    return true;
  });
}

test('a valid model file loads, from the file or its folder', () => {
  const location = write('model.json', () => {});
  assert.equal(loadModel(location).net.classes, 3);
  assert.equal(loadModel(scratch).source, location);
});

test('a model file whose definition does not build is a DataError naming the file and the layer', () => {
  const lonelySoftmax = write('softmax.json', (f) => {
    f.definition = [{ type: 'input', shape: [1, 4, 4] }, { type: 'softmax' }];
    f.layers = [{ name: 'softmax1', type: 'softmax', parameters: {}, buffers: {} }];
  });
  refused(lonelySoftmax, `${lonelySoftmax}: its definition does not build: softmax1 (layer 2, softmax): the loss layer needs a vector of at least 2 class scores`);
  const huge = write('huge.json', (f) => { f.definition[3].units = 1e12; });
  refused(huge, `${huge}: its definition does not build: fc1 (layer 4, fc): weights (1000000000000, 32) would hold 32,000,000,000,000 values`);
  const huger = write('huge-input.json', (f) => { f.inputShape = [1, 100000, 100000]; f.definition[0].shape = [1, 100000, 100000]; });
  refused(huger, 'input layer: input (1, 100000, 100000) would hold 10,000,000,000 values');
  const unknown = write('lstm.json', (f) => { f.definition[2].type = 'lstm'; });
  refused(unknown, `${unknown}: 'definition' layer 3 (lstm): unknown layer type`);
});

test('classNames must name every class the network scores', () => {
  const location = write('names.json', (f) => { f.classNames = ['a', 'b']; });
  refused(location, `${location}: 'classNames' lists 2 names but the network scores 3 classes`);
});

test('NaN weights are refused when the model is loaded', () => {
  const location = write('nan.json', (f) => { f.layers[0].parameters.bias.float32 = Buffer.from(new Float32Array([0, NaN]).buffer).toString('base64'); });
  refused(location, `${location}: conv1.bias (layer 1): value 1 of 2 is NaN`);
});

test('eval, fold and report refuse a dataset the model cannot classify: other image size, other class count', () => {
  const { net } = loadModel(write('fits.json', () => {}));
  const dataset = (channels: number, height: number, width: number, classes: number) =>
    ({ name: 'probe-test', channels, height, width, classNames: Array.from({ length: classes }, (_, k) => `c${k}`) }) as never;
  checkModelFitsData(net, 'm.json', dataset(1, 4, 4, 3));
  assert.throws(() => checkModelFitsData(net, 'm.json', dataset(3, 32, 32, 3)),
    (e: Error) => e instanceof DataError && e.message === "m.json takes input (1, 4, 4) but 'probe-test' images are (3, 32, 32)");
  assert.throws(() => checkModelFitsData(net, 'm.json', dataset(1, 4, 4, 10)),
    (e: Error) => e instanceof DataError && e.message === "m.json scores 3 classes but 'probe-test' has 10");
});
