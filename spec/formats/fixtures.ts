/**
 * Shared by the ONNX specs: small trained-looking networks (random weights, batchnorm statistics
 * moved off their defaults so the layer does something), preprocessing with patch whitening, and
 * 0..255 test images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pngFileToInput } from '../../src/cli/predict-command.ts';
import { encodePortablePng } from '../../src/io/png-encoder.ts';
import { INFERENCE } from '../../src/layers/layer.ts';
import { buildNet } from '../../src/nn/build-net.ts';
import { parseCompactDefinition } from '../../src/nn/definition.ts';
import { netToModelFile } from '../../src/nn/model-file.ts';
import type { ModelFile, Preprocessing } from '../../src/nn/model-file.ts';
import type { Net } from '../../src/nn/net.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** conv (stride, pad, dilation) / bn / pools / maxout / dropout / fc / activations, softmax head. */
export const RICH_NETWORK = 'conv3x3x8p1-bn-relu-pool2-conv3x3x6s1p2d2-maxout2-avgpool2-fc12-lrelu0.1-dropout0.5-fc10-bn-elu0.5-fc4-softmax';
export const SVM_NETWORK = 'conv3x3x4s2p1-sigmoid-conv2x2x4-tanh-fc6-maxout3-fc3-svm';

export function makeModel(compact: string, inputShape: number[], options: { seed?: number; preprocessing?: Preprocessing; classNames?: string[] } = {}): { net: Net; file: ModelFile } {
  const definition = parseCompactDefinition(compact, inputShape);
  const rng = new Rng(options.seed ?? 7);
  const net = buildNet(definition, rng);
  for (const layer of net.layers) {
    for (const p of layer.parameters()) for (let i = 0; i < p.value.size; i++) p.value.data[i] += 0.05 * rng.gaussian();
    for (const b of layer.buffers?.() ?? []) {
      for (let i = 0; i < b.value.size; i++) b.value.data[i] = b.name === 'runningVariance' ? 0.5 + rng.uniform() : 0.3 * rng.gaussian();
    }
  }
  const file = netToModelFile(net, definition, {
    ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
    ...(options.classNames ? { classNames: options.classNames } : {}),
  });
  return { net, file };
}

/** Mean/std per channel and a random-but-fixed 3×3 whitening kernel for C channels. */
export function makePreprocessing(channels: number, seed = 3): Preprocessing {
  const rng = new Rng(seed);
  const k = 3;
  return {
    mean: Array.from({ length: channels }, (_, c) => 100 + 10 * c),
    std: Array.from({ length: channels }, (_, c) => 50 + 5 * c),
    whitening: {
      size: k, epsilon: 0.1,
      kernel: Array.from({ length: channels * channels * k * k }, () => 0.3 * rng.gaussian()),
      offset: Array.from({ length: channels }, () => 0.1 * rng.gaussian()),
    },
  };
}

/** N images of 0..255 integer pixels, NCHW. */
export function makePixels(count: number, shape: number[], seed = 11): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: count * shape.reduce((p, d) => p * d, 1) }, () => Math.floor(256 * rng.uniform()));
}

/** `predict`'s probabilities for raw images: each written as a PNG and read back the way predict reads it. */
export function predictOutputs(net: Net, preprocessing: Preprocessing | undefined, pixels: Uint8Array, count: number, scratch: string, name: string): Float32Array[] {
  const [channels, height, width] = net.inputShape;
  const imageSize = channels * height * width;
  return Array.from({ length: count }, (_, n) => {
    const hwc = new Uint8Array(imageSize);
    for (let c = 0; c < channels; c++) for (let p = 0; p < height * width; p++) hwc[p * channels + c] = pixels[n * imageSize + c * height * width + p];
    const png = path.join(scratch, `${name}-${n}.png`);
    fs.writeFileSync(png, encodePortablePng({ width, height, channels: channels as 1 | 3, pixels: hwc }));
    const { input } = pngFileToInput(png, net.inputShape, preprocessing ?? { mean: [0], std: [1] });
    return Float32Array.from(net.forward(input, INFERENCE).data);
  });
}

