/**
 * Gradient checks of Conv2d (src/nn/gradcheck.ts harness and tolerance): input, weights and bias, both
 * implementations, with stride, padding, dilation and non-square inputs and filters. Convolution is
 * linear in each of its arguments, so no input needs to avoid a kink.
 */
import { test } from 'node:test';
import { Conv2d } from '../../src/layers/conv2d.ts';
import type { Conv2dOptions, ConvImplementation } from '../../src/layers/conv2d.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { checkLayerGradients } from '../../src/nn/gradcheck.ts';

function checkConv(label: string, options: Omit<Conv2dOptions, 'rng'>, batch: number, seed: number): void {
  const rng = new Rng(seed);
  const layer = new Conv2d({ ...options, rng });
  // Non-zero biases so a bias gradient that ignored the data would still be caught.
  for (let k = 0; k < layer.filters; k++) layer.bias.value.data[k] = rng.gaussian(0, 1);
  checkLayerGradients(label, layer, Tensor.gaussian([batch, ...options.inputShape], rng), rng);
}

for (const implementation of ['implicit-gemm', 'im2col', 'naive'] as ConvImplementation[]) {
  test(`gradcheck conv (${implementation}): 3x3, stride 1, pad 1`, () => {
    checkConv(`conv3x3p1 ${implementation}`, { inputShape: [2, 5, 5], filters: 3, size: 3, pad: 1, implementation }, 2, 1);
  });

  test(`gradcheck conv (${implementation}): non-square 3x2 filter on 7x6, stride 2x1, pad 1x0`, () => {
    checkConv(
      `conv3x2s2x1 ${implementation}`,
      { inputShape: [2, 7, 6], filters: 3, size: [3, 2], stride: [2, 1], pad: [1, 0], implementation }, 2, 2,
    );
  });

  test(`gradcheck conv (${implementation}): dilation 2 with pad 2, and stride 3 with pad 2`, () => {
    checkConv(`conv2x3d2 ${implementation}`, { inputShape: [2, 6, 7], filters: 2, size: [2, 3], pad: 2, dilation: 2, implementation }, 2, 3);
    checkConv(`conv3x3s3p2 ${implementation}`, { inputShape: [1, 8, 5], filters: 2, size: 3, stride: 3, pad: [2, 2], implementation }, 3, 4);
  });
}
