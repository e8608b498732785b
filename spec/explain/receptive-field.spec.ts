import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receptiveFields, unitFieldBox } from '../../src/explain/receptive-field.ts';
import { INFERENCE } from '../../src/tensor/forward-mode.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { net } from './fixtures.ts';

// Worked by hand with r′ = r + (E − 1)·j, s′ = s − P·j, j′ = j·S (receptive-field.ts).
const STACKS: Array<{ text: string; layer: number; size: number; jump: number; start: number; input?: number }> = [
  // 5 → 5 + 1·1 = 6 (pool2) → 6 + 4·2 = 14; start 0 − 2 → −2 → −2 − 2·2 = −6
  { text: 'conv5x5x2p2-relu-pool2-conv5x5x2p2', layer: 3, size: 14, jump: 2, start: -6 },
  // three 3×3: 3, 5, 7 (the VGG argument: three 3×3 see what one 7×7 sees)
  { text: 'conv3x3x2-conv3x3x2-conv3x3x2', layer: 2, size: 7, jump: 1, start: 0 },
  // stride 2 twice: 3, then 3 + 2·2 = 7, jump 4
  { text: 'conv3x3x2s2-conv3x3x2s2', layer: 1, size: 7, jump: 4, start: 0, input: 31 },
  // dilation 2: extent 5
  { text: 'conv3x3x2d2', layer: 0, size: 5, jump: 1, start: 0 },
  // overlapping pool 3 stride 2: 3 → 3 + 2·1 = 5 (jump 2) → 5 + 2·2 = 9
  { text: 'conv3x3x2-pool3s2-conv3x3x2', layer: 2, size: 9, jump: 2, start: 0, input: 33 },
  // the ConvNetJS CIFAR-10 stack up to conv3: 14 → 14 + 1·2 = 16 (jump 4) → 16 + 4·4 = 32, start −6 − 2·4 = −14
  { text: 'conv5x5x2p2-relu-pool2-conv5x5x2p2-relu-pool2-conv5x5x2p2', layer: 6, size: 32, jump: 4, start: -14 },
];

for (const stack of STACKS) {
  test(`receptive field of ${stack.text}: ${stack.size}×${stack.size}, jump ${stack.jump}, start ${stack.start}`, () => {
    const side = stack.input ?? 32;
    const built = net(`${stack.text}-fc2-softmax`, [1, side, side]);
    const field = receptiveFields(built)[stack.layer]!;
    assert.deepEqual(field, { size: [stack.size, stack.size], jump: [stack.jump, stack.jump], start: [stack.start, stack.start] });
    assert.equal(receptiveFields(built).at(-1), null, 'after fc there is no spatial field');
  });
}

test('the field bounds the pixels a unit depends on, tightly when unclipped (backward from one unit)', () => {
  // Linear layers (no relu, average pooling) with generic weights: the input gradient of one output
  // unit is non-zero only inside its receptive field; for a unit away from the border the non-zero
  // pixels reach all four sides of the field. (Near the border, padding taps see nothing, so the
  // clipped field can be larger than what the unit uses — it is a bound, and flagged.)
  const built = net('conv3x3x2p1-avgpool2-conv3x3x2s2p1d2-fc2-softmax', [1, 18, 18], 5);
  const layer = 2;
  const field = receptiveFields(built)[layer]!;
  assert.deepEqual(field, { size: [12, 12], jump: [4, 4], start: [-3, -3] });
  const [channels, height, width] = built.layers[layer].outputShape;
  const input = Tensor.zeros([1, 1, 18, 18]);
  for (const [y, x, clipped] of [[0, 0, true], [1, 2, false], [2, 1, false], [height - 1, width - 1, true]] as const) {
    built.forward(input, INFERENCE, layer + 1);
    const seed = Tensor.zeros([1, channels, height, width]);
    seed.data[y * width + x] = 1;
    const gradient = built.backwardFrom(seed, layer + 1).data;
    const box = unitFieldBox(field, y, x, 18, 18);
    assert.equal(box.clipped, clipped);
    let [top, left, bottom, right] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let row = 0; row < 18; row++) {
      for (let column = 0; column < 18; column++) {
        if (gradient[row * 18 + column] === 0) continue;
        const inside = row >= box.top && row < box.top + box.height && column >= box.left && column < box.left + box.width;
        assert.ok(inside, `unit (${y}, ${x}) depends on pixel (${row}, ${column}) outside ${JSON.stringify(box)}`);
        [top, left, bottom, right] = [Math.min(top, row), Math.min(left, column), Math.max(bottom, row), Math.max(right, column)];
      }
    }
    if (!clipped) assert.deepEqual([top, left, bottom + 1 - top, right + 1 - left], [box.top, box.left, box.height, box.width]);
  }
});
