import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DataError } from '../../src/errors.ts';
import { importConvnetjs } from '../../src/formats/convnetjs-import.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import type { ModelFile } from '../../src/nn/model-file.ts';
import { loadWeightsInto, validateModelFile } from '../../src/nn/model-file.ts';
import type { Net } from '../../src/nn/net.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/**
 * Two small random nets built, run and serialized by ConvNetJS itself (see
 * fixtures/convnetjs-small-nets.md): their toJSON, inputs as Vols, and ConvNetJS's test-time scores.
 */
interface Vol { sx: number; sy: number; depth: number; w: number[] }
interface Case { net: { layers: Array<Record<string, unknown>> }; inputs: Vol[]; scores: number[][] }
const FIXTURE = new URL('./fixtures/convnetjs-small-nets.json', import.meta.url);
const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { image: Case; points: Case; crop: Case };
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Loads a model file the way `predict` does: validate, build, copy weights. */
function load(file: ModelFile): Net {
  const checked = validateModelFile(JSON.parse(JSON.stringify(file)), 'imported');
  const net = buildNet(checked.definition, new Rng(7));
  loadWeightsInto(net, checked, 'imported');
  return net;
}

/** ConvNetJS Vols ([y][x][depth]) → one NCHW batch (N, depth, sy, sx), or (N, depth) for vector nets. */
function batchOf(inputs: Vol[], inputShape: readonly number[]): Tensor {
  const x = Tensor.zeros([inputs.length, ...inputShape]);
  inputs.forEach((vol, n) => {
    const size = vol.sx * vol.sy * vol.depth;
    for (let d = 0; d < vol.depth; d++) for (let y = 0; y < vol.sy; y++) for (let xx = 0; xx < vol.sx; xx++) {
      x.data[n * size + (d * vol.sy + y) * vol.sx + xx] = vol.w[(y * vol.sx + xx) * vol.depth + d];
    }
  });
  return x;
}

function assertScoresMatch(testCase: Case, file: ModelFile): void {
  const net = load(file);
  const scores = net.predict(batchOf(testCase.inputs, net.inputShape));
  const classes = testCase.scores[0].length;
  assert.deepEqual(scores.shape, [testCase.inputs.length, classes]);
  testCase.scores.forEach((expected, n) => expected.forEach((value, k) => {
    const got = scores.data[n * classes + k];
    assert.ok(Math.abs(got - value) <= 1e-5, `example ${n}, class ${k}: ConvNetJS ${value}, imported ${got}`);
  }));
}

/** The DataError's message, checked to be one line naming the file and the layer. */
function refusal(json: unknown, pattern: RegExp): void {
  assert.throws(() => importConvnetjs(json, 'old-net.json'), (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.ok(error.message.startsWith('old-net.json'), error.message);
    assert.ok(!error.message.includes('\n'), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('importConvnetjs: ConvNetJS scores reproduced to 1e-5', () => {
  it('image net: non-tiling strided conv with pad, relu, maxout, non-tiling pool, 2×1 conv, tanh, dropout, fc, sigmoid, fc, softmax', () => {
    const file = importConvnetjs(copy(fixture.image.net), 'image.json');
    assert.deepEqual(file.inputShape, [3, 8, 9]);
    // The floors: conv (8+2−3)/2+1 = 4.5 → pad top 1, bottom 1−1 = 0 (width 9 tiles: left = right = 1);
    // pool (5−2)/2+1 = 2.5 → crop one column on the right.
    assert.deepEqual(file.definition.map((layer) => layer.type), [
      'input', 'pad', 'conv', 'relu', 'maxout', 'pad', 'pool', 'conv', 'tanh', 'dropout', 'fc', 'sigmoid', 'fc', 'softmax',
    ]);
    assert.deepEqual(file.definition[1], { type: 'pad', top: 1, bottom: 0, left: 1, right: 1 });
    assert.deepEqual(file.definition[5], { type: 'pad', top: 0, bottom: 0, left: 0, right: -1 });
    assertScoresMatch(fixture.image, file);
  });

  it('point net: 1×1×2 input as a vector, fc, tanh, fc, svm scores', () => {
    const file = importConvnetjs(copy(fixture.points.net), 'points.json');
    assert.deepEqual(file.inputShape, [2]);
    assertScoresMatch(fixture.points, file);
  });

  it('crop net: a strided conv whose floor drops more than its padding (the last input column is never read)', () => {
    const file = importConvnetjs(copy(fixture.crop.net), 'crop.json');
    // x: (11+2−3)/4+1 = 3.5 → r = 2 > P = 1, so the right side loses 1 input column; y: r = 1 = P.
    assert.deepEqual(file.definition[1], { type: 'pad', top: 1, bottom: 0, left: 1, right: -1 });
    assertScoresMatch(fixture.crop, file);
  });

  it("reads Vol weights written as plain arrays as well as JSON.stringify's {\"0\": …} objects", () => {
    const net = copy(fixture.image.net);
    for (const layer of net.layers) {
      for (const vol of [...((layer.filters as Array<{ w: Record<string, number> }>) ?? []), ...(layer.biases ? [layer.biases as { w: Record<string, number> }] : [])]) {
        vol.w = Object.keys(vol.w).map((key) => vol.w[key]) as unknown as Record<string, number>;
      }
    }
    assert.deepEqual(importConvnetjs(net, 'arrays.json'), importConvnetjs(copy(fixture.image.net), 'arrays.json'));
  });

  it('without the dropout fold the scores would differ (the fixture sees test-time dropout)', () => {
    const net = copy(fixture.image.net);
    const dropout = net.layers.find((layer) => layer.layer_type === 'dropout')!;
    dropout.drop_prob = 0; // ConvNetJS would then output zeros into the fc: its scores are the fc's bias alone
    const file = importConvnetjs(net, 'no-dropout.json');
    assert.throws(() => assertScoresMatch(fixture.image, file), /ConvNetJS/);
  });
});

describe('importConvnetjs: bad input is a one-line DataError naming the file and the layer', () => {
  const image = () => copy(fixture.image.net);
  it('not a ConvNetJS net', () => {
    refusal([1, 2], /not a ConvNetJS network/);
    refusal({ layers: [] }, /not a ConvNetJS network/);
    refusal({ layers: [{ type: 'input' }] }, /layers\[0\] must be an object with a 'layer_type'/);
  });
  it('an unknown layer type (lrn, or made up)', () => {
    const net = image();
    net.layers.splice(3, 0, { layer_type: 'lrn', k: 1, n: 3, alpha: 0.1, beta: 0.75 });
    refusal(net, /layers\[3\] \(lrn\): unknown ConvNetJS layer type 'lrn'; this import reads input, conv, pool/);
  });
  it('a regression output', () => {
    const net = copy(fixture.points.net);
    net.layers[net.layers.length - 1] = { layer_type: 'regression', num_inputs: 3, out_depth: 3, out_sx: 1, out_sy: 1 };
    refusal(net, /layers\[4\] \(regression\): ConvNetJS's L2 regression output has no equivalent/);
  });
  it('inconsistent shapes: stored out_sx, a filter of the wrong size, missing filters, num_inputs', () => {
    let net = image();
    net.layers[1].out_sx = 4;
    refusal(net, /layers\[1\] \(conv\): the file says the output is 4×4×6/);
    net = image();
    (net.layers[1].filters as Vol[])[2].sx = 2;
    refusal(net, /layers\[1\] \(conv\) filters\[2\]: expected a 3×3×3 Vol/);
    net = image();
    (net.layers[1].filters as Vol[]).pop();
    refusal(net, /layers\[1\] \(conv\) filters: expected 6 filter Vols/);
    net = image();
    net.layers[8].num_inputs = 11;
    refusal(net, /layers\[8\] \(fc\): num_inputs is 11 but the layer before gives 1×2×5 = 10/);
    net = image();
    (net.layers[1].biases as { w: Record<string, unknown> }).w['3'] = 'NaN';
    refusal(net, /layers\[1\] \(conv\) biases: w\[3\] of 6 is "NaN"/);
  });
  it('what cannot be reproduced exactly: pool with pad, maxout leaving channels out, dropout right before a squashing layer', () => {
    let net = image();
    net.layers[4].pad = 1;
    refusal(net, /layers\[4\] \(pool\): pooling with pad 1 is not supported/);
    net = image();
    net.layers[3].group_size = 4;
    refusal(net, /layers\[3\] \(maxout\): group_size 4 does not divide the depth 6/);
    net = image();
    [net.layers[6], net.layers[7]] = [net.layers[7], net.layers[6]]; // dropout before tanh
    refusal(net, /layers\[7\] \(tanh\): follows the dropout layers\[6\]/);
  });
});
