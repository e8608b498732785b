/**
 * `predict`: top-3 classes of a saved model for PNG images.
 *
 *   npx tsx src/cli.ts predict --model runs/cifar10 cat.png ship.png
 *
 * Each image is decoded (8-bit gray, gray+alpha, RGB, RGBA), converted to the model's channel count
 * (alpha dropped; gray repeated into RGB, or RGB averaged into gray), resized to the model's input
 * size with bilinear interpolation when it differs, normalized with the model's own preprocessing, and
 * classified.
 */
import { type Normalization } from '../data/dataset.ts';
import { applyPatchWhitening, patchWhiteningScratchSize } from '../data/patch-whitening.ts';
import * as fs from 'node:fs';
import { ConfigError, DataError } from '../errors.ts';
import { decodePng } from '../io/png.ts';
import type { PngImage } from '../io/png.ts';
import { INFERENCE } from '../layers/layer.ts';
import { Tensor } from '../tensor/tensor.ts';
import { numberOption, parseOptions } from './args.ts';
import { loadModel } from './model-loading.ts';
import { readBytes, toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Classify PNG images with a saved model: prints the top-3 classes and probabilities. Usage: predict --model <file|dir> <image.png> ...';

const OPTIONS = {
  model: { type: 'string', value: '<file|dir>', help: 'model.json or a run folder (required)' },
  top: { type: 'string', value: '<k>', help: 'how many classes to show, 1 to the number of classes (default: 3, or all when fewer)', number: { integer: true, min: 1 } },
  json: { type: 'boolean', help: 'one JSON line per image' },
} as const;

/**
 * Converts a decoded PNG (HWC, any of 1–4 channels) to planar float values 0..255 of shape
 * (channels, height, width), resizing bilinearly (pixel centres aligned, as image libraries do).
 */
export function pngToPlanar(image: PngImage, channels: number, height: number, width: number): Float32Array {
  const out = new Float32Array(channels * height * width);
  const colour = image.channels >= 3;
  const sample = (y: number, x: number, c: number): number => {
    const base = (y * image.width + x) * image.channels;
    if (channels === 1) {
      return colour ? (image.pixels[base] + image.pixels[base + 1] + image.pixels[base + 2]) / 3 : image.pixels[base];
    }
    return colour ? image.pixels[base + c] : image.pixels[base];
  };
  const scaleY = image.height / height;
  const scaleX = image.width / width;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const sourceY = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), image.height - 1);
      const y0 = Math.floor(sourceY);
      const y1 = Math.min(y0 + 1, image.height - 1);
      const fy = sourceY - y0;
      for (let x = 0; x < width; x++) {
        const sourceX = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), image.width - 1);
        const x0 = Math.floor(sourceX);
        const x1 = Math.min(x0 + 1, image.width - 1);
        const fx = sourceX - x0;
        const top = sample(y0, x0, c) * (1 - fx) + sample(y0, x1, c) * fx;
        const bottom = sample(y1, x0, c) * (1 - fx) + sample(y1, x1, c) * fx;
        out[(c * height + y) * width + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/**
 * A PNG file → the (1, C, H, W) input of a net: converted, resized (pngToPlanar) and normalized with
 * the per-channel mean and std the net was trained with, then whitened if it was trained on whitened input.
 */
export function pngFileToInput(file: string, inputShape: readonly number[], preprocessing: Normalization): { input: Tensor; image: PngImage } {
  const image = decodePng(readBytes(file), file);
  const [channels, height, width] = inputShape.length === 3 ? inputShape : [1, 1, inputShape[0]];
  const planar = pngToPlanar(image, channels, height, width);
  const input = Tensor.zeros([1, ...inputShape]);
  const plane = height * width;
  const { mean, std } = preprocessing;
  for (let i = 0; i < planar.length; i++) {
    const c = Math.floor(i / plane);
    input.data[i] = (planar[i] - (mean[c] ?? mean[0])) / (std[c] ?? std[0]);
  }
  if (preprocessing.whitening) {
    const scratch = new Float32Array(patchWhiteningScratchSize(channels, height, width, preprocessing.whitening.size));
    applyPatchWhitening(input.data, 1, channels, height, width, preprocessing.whitening, scratch);
  }
  return { input, image };
}

export async function predictCommand(argv: string[]): Promise<number> {
  const positional: string[] = [];
  const options = parseOptions('predict', DESCRIPTION, OPTIONS, argv, positional);
  if (!options) return 0;
  if (!options.model) throw new ConfigError('predict: --model <model.json|run folder> is required');
  if (positional.length === 0) throw new ConfigError('predict: give at least one PNG image file');
  const requestedTop = options.top === undefined ? undefined : numberOption('top', options.top, { integer: true, min: 1 });
  const missing = positional.find((file) => !(fs.existsSync(file) && fs.statSync(file).isFile()));
  if (missing !== undefined) throw new DataError(`predict: '${missing}' is not an image file that exists`);
  const { net, file, source } = loadModel(options.model);
  if (requestedTop !== undefined && requestedTop > net.classes) {
    throw new ConfigError(`--top: ${requestedTop} classes asked for, but ${source} has ${net.classes}`);
  }
  const top = requestedTop ?? Math.min(3, net.classes);
  const [height, width] = net.inputShape.length === 3 ? net.inputShape.slice(1) : [1, net.inputShape[0]];
  const classNames = file.classNames ?? Array.from({ length: net.classes }, (_, k) => `class ${k}`);
  const preprocessing = file.preprocessing ?? { mean: [0], std: [1] };
  for (const imagePath of positional) {
    const { input, image } = pngFileToInput(imagePath, net.inputShape, preprocessing);
    const output = net.forward(input, INFERENCE).data;
    const order = Array.from({ length: net.classes }, (_, k) => k).sort((a, b) => output[b] - output[a] || a - b).slice(0, top);
    if (options.json) {
      console.log(toJsonLine({ image: imagePath, top: order.map((k) => ({ class: classNames[k], index: k, probability: output[k] })) }));
    } else {
      const resized = image.width !== width || image.height !== height ? ` (resized from ${image.width}×${image.height})` : '';
      console.log(`${imagePath}${resized}`);
      for (const k of order) console.log(`  ${classNames[k].padEnd(12)} ${(net.loss === 'softmax' ? `${(100 * output[k]).toFixed(1)}%` : output[k].toFixed(3)).padStart(7)}`);
    }
  }
  return 0;
}
