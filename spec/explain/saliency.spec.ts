import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classScoreGradient, classScores } from '../../src/explain/class-scores.ts';
import { saliencyMap } from '../../src/explain/saliency.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { inPatch, net, patchImage, patchNet } from './fixtures.ts';

test('saliency peaks on the patch that decides the class', () => {
  const map = saliencyMap(patchNet(), patchImage(), 1);
  let peak = 0;
  for (let i = 1; i < 64; i++) if (map.values[i] > map.values[peak]) peak = i;
  assert.ok(inPatch(Math.floor(peak / 8), peak % 8), `peak at pixel ${peak}`);
  assert.ok(map.values[peak] > 0);
  // Class 0's score is a constant: nothing in the image moves it.
  assert.ok(saliencyMap(patchNet(), patchImage(), 0).values.every((v) => v === 0));
});

test('the class-score gradient (Net.backwardFrom before the softmax) matches central differences', () => {
  const small = net('conv3x3x2p1-tanh-avgpool2-fc3-softmax', [2, 6, 6], 7);
  const rng = new Rng(11);
  const input = Tensor.zeros([1, 2, 6, 6]);
  for (let i = 0; i < input.size; i++) input.data[i] = rng.gaussian(0, 1);
  for (const classIndex of [0, 2]) {
    const analytic = classScoreGradient(small, input, [classIndex]).data;
    const step = 1e-2;
    for (let i = 0; i < input.size; i++) {
      const kept = input.data[i];
      input.data[i] = kept + step;
      const up = classScores(small, input).data[classIndex];
      input.data[i] = kept - step;
      const down = classScores(small, input).data[classIndex];
      input.data[i] = kept;
      const numeric = (up - down) / (2 * step);
      assert.ok(Math.abs(analytic[i] - numeric) <= 1e-3 + 1e-2 * Math.abs(numeric), `x[${i}]: ${analytic[i]} vs ${numeric}`);
    }
  }
  // Saliency is the channel-wise maximum of |gradient|.
  const gradient = classScoreGradient(small, input, [1]).data;
  const map = saliencyMap(small, input, 1);
  for (let p = 0; p < 36; p++) assert.equal(map.values[p], Math.max(Math.abs(gradient[p]), Math.abs(gradient[36 + p])));
  assert.ok(small.parameters().every((param) => param.grad.data.every((g) => g === 0)), 'parameter gradients are left at zero');
});
