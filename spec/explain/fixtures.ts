/**
 * Hand-built networks whose answer is known, shared by the explain specs.
 */
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import type { Net } from '../../src/nn/net.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

export function net(text: string, inputShape: number[], seed = 1): Net {
  return buildNet(parseCompactDefinition(text, inputShape), new Rng(seed));
}

export function parameter(netToUse: Net, layerIndex: number, name: 'weights' | 'bias'): Float32Array {
  return netToUse.layers[layerIndex].parameters().find((p) => p.name === name)!.value.data;
}

/** The patch that decides the class: pixels rows 4..5, columns 4..5 of an 8×8 image. */
export const PATCH = { top: 4, left: 4, size: 2 };

/**
 * 1×8×8 → conv3x3 (centre 1, neighbours 0.1) → relu → max-pool 2 → fc2 → softmax.
 * Class 1's score is 5 × the pooled cell (2, 2), which sees exactly the patch; class 0's score is a
 * constant 2.5. A bright patch (1) makes class 1 win; covering it with 0 makes class 0 win.
 */
export function patchNet(): Net {
  const built = net('conv3x3x1p1-relu-pool2-fc2-softmax', [1, 8, 8]);
  const filter = parameter(built, 0, 'weights');
  filter.fill(0.1);
  filter[4] = 1;
  parameter(built, 0, 'bias').fill(0);
  const fc = parameter(built, 3, 'weights');
  fc.fill(0);
  fc[16 + 2 * 4 + 2] = 5; // class 1, pooled cell (2, 2)
  parameter(built, 3, 'bias').set([2.5, 0]);
  return built;
}

/** An 8×8 image of dim noise in [0, 0.05) with the bright patch. */
export function patchImage(seed = 3): Tensor {
  const rng = new Rng(seed);
  const image = Tensor.zeros([1, 1, 8, 8]);
  for (let i = 0; i < 64; i++) image.data[i] = 0.05 * rng.uniform();
  for (let y = PATCH.top; y < PATCH.top + PATCH.size; y++) {
    for (let x = PATCH.left; x < PATCH.left + PATCH.size; x++) image.data[y * 8 + x] = 1;
  }
  return image;
}

export function inPatch(y: number, x: number): boolean {
  return y >= PATCH.top && y < PATCH.top + PATCH.size && x >= PATCH.left && x < PATCH.left + PATCH.size;
}
