/**
 * Class model visualization (Simonyan, Vedaldi & Zisserman 2014, §2): the image the network finds
 * most typical of class c, found by gradient ascent on the image itself.
 *
 *   x* = argmax_x  s_c(x) − λ‖x‖²            x (C, H, W) in the network's input units
 *   step:  x ← x + η · (∂s_c/∂x − 2λx)
 *
 * s_c is the class score before the softmax (class-scores.ts). The L2 term keeps the image finite:
 * for a linear score s_c = w_cᵀx + b_c the objective is concave with its maximum at x* = w_c / (2λ) —
 * the class template, which is the spec's check. Two optional regularizers from later work (Yosinski
 * et al. 2015) make pictures of deep nets less noisy:
 *   jitter J: before each step the image is rolled by a random (dy, dx) ∈ [−J, J]² and the gradient
 *             rolled back, so no single pixel alignment is favoured;
 *   blur:     every `blurEvery` steps a 3×3 Gaussian blur (σ = `blurSigma`, edges clamped).
 * The random shifts come from an Rng built from `seed`: same seed, same images.
 *
 * All classes are ascended together as one batch (image n for class n): the net's layers act on
 * each example alone at inference, so the batch changes nothing but speed.
 */
import { ConfigError } from '../errors.ts';
import type { Net } from '../nn/net.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { classScoreGradient, classScores } from './class-scores.ts';

export interface ClassModelOptions {
  /** Gradient-ascent steps; default 200. */
  readonly steps?: number;
  /** η; default 1. */
  readonly learningRate?: number;
  /** λ of the L2 term; default 0.01. */
  readonly l2?: number;
  /** J, the largest roll in pixels; default 0 (off). */
  readonly jitter?: number;
  /** Blur every this many steps; default 0 (off). */
  readonly blurEvery?: number;
  /** σ of the blur; default 0.5. */
  readonly blurSigma?: number;
  /** Standard deviation of the seeded noise the ascent starts from; default 0.01. Not 0: at the zero
   *  image a ReLU net with zero biases passes no gradient at all. */
  readonly initialNoise?: number;
  readonly seed?: number;
}

export interface ClassModels {
  /** (K′, C, H, W): image n maximises the score of classes[n]. */
  readonly images: Tensor;
  readonly classes: readonly number[];
  /** objective[t][n] = s_c(x) − λ‖x‖² of image n before step t (and after the last at t = steps). */
  readonly objective: readonly (readonly number[])[];
}

/** Rolls each (H, W) plane of every image by (dy, dx) with wrap-around: out[y, x] = in[y − dy, x − dx]. */
function roll(source: Float32Array, target: Float32Array, planes: number, height: number, width: number, dy: number, dx: number): void {
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let y = 0; y < height; y++) {
      const sy = (((y - dy) % height) + height) % height;
      for (let x = 0; x < width; x++) {
        const sx = (((x - dx) % width) + width) % width;
        target[base + y * width + x] = source[base + sy * width + sx];
      }
    }
  }
}

/** 3×3 Gaussian blur of every plane in place (separable, edges clamped). */
function blur(data: Float32Array, planes: number, height: number, width: number, sigma: number): void {
  const side = Math.exp(-1 / (2 * sigma * sigma));
  const weights = [side / (1 + 2 * side), 1 / (1 + 2 * side), side / (1 + 2 * side)];
  const temp = new Float32Array(height * width);
  for (let p = 0; p < planes; p++) {
    const plane = data.subarray(p * height * width, (p + 1) * height * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let d = -1; d <= 1; d++) sum += weights[d + 1] * plane[y * width + Math.min(width - 1, Math.max(0, x + d))];
        temp[y * width + x] = sum;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let d = -1; d <= 1; d++) sum += weights[d + 1] * temp[Math.min(height - 1, Math.max(0, y + d)) * width + x];
        plane[y * width + x] = sum;
      }
    }
  }
}

/** s_c(x_n) − λ‖x_n‖² for every image. */
function objectives(net: Net, images: Tensor, classes: readonly number[], l2: number): number[] {
  const scores = classScores(net, images);
  const size = images.size / classes.length;
  return classes.map((c, n) => {
    let squares = 0;
    for (let i = n * size; i < (n + 1) * size; i++) squares += images.data[i] * images.data[i];
    return scores.data[n * net.classes + c] - l2 * squares;
  });
}

/** One image per class in `classes` (default all), by gradient ascent from faint noise around the zero image (the mean image). */
export function classModels(net: Net, options: ClassModelOptions = {}, classes: readonly number[] = Array.from({ length: net.classes }, (_, i) => i)): ClassModels {
  const steps = options.steps ?? 200;
  const rate = options.learningRate ?? 1;
  const l2 = options.l2 ?? 0.01;
  const jitter = options.jitter ?? 0;
  const blurEvery = options.blurEvery ?? 0;
  const blurSigma = options.blurSigma ?? 0.5;
  for (const [name, value, min] of [['steps', steps, 0], ['jitter', jitter, 0], ['blurEvery', blurEvery, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new ConfigError(`class models: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
  if (!(rate > 0) || !(l2 >= 0) || !(blurSigma > 0)) {
    throw new ConfigError(`class models: learningRate > 0, l2 ≥ 0 and blurSigma > 0 required, got ${rate}, ${l2}, ${blurSigma}`);
  }
  if (net.inputShape.length !== 3 && (jitter > 0 || blurEvery > 0)) {
    throw new ConfigError(`class models: jitter and blur need image input (C, H, W), the network takes (${net.inputShape.join(', ')})`);
  }
  const [channels, height, width] = net.inputShape.length === 3 ? net.inputShape : [1, 1, net.inputShape[0]];
  const planes = classes.length * channels;
  const rng = new Rng(options.seed ?? 1);
  const images = Tensor.zeros([classes.length, ...net.inputShape]);
  const noise = options.initialNoise ?? 0.01;
  for (let i = 0; i < images.size; i++) images.data[i] = rng.gaussian(0, noise);
  const rolled = Tensor.zeros(images.shape);
  const gradientBack = new Float32Array(images.size);
  const objective: number[][] = [];
  for (let step = 0; step < steps; step++) {
    objective.push(objectives(net, images, classes, l2));
    let dy = 0;
    let dx = 0;
    if (jitter > 0) {
      dy = Math.floor(rng.uniform() * (2 * jitter + 1)) - jitter;
      dx = Math.floor(rng.uniform() * (2 * jitter + 1)) - jitter;
    }
    roll(images.data, rolled.data, planes, height, width, dy, dx);
    const gradient = classScoreGradient(net, rolled, classes);
    roll(gradient.data, gradientBack, planes, height, width, -dy, -dx);
    for (let i = 0; i < images.size; i++) images.data[i] += rate * (gradientBack[i] - 2 * l2 * images.data[i]);
    if (blurEvery > 0 && (step + 1) % blurEvery === 0) blur(images.data, planes, height, width, blurSigma);
  }
  objective.push(objectives(net, images, classes, l2));
  return { images, classes, objective };
}
