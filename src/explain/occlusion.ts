/**
 * Occlusion sensitivity (Zeiler & Fergus 2014, §4.2): cover part of the image with a grey square and
 * watch the probability of the true class. Where covering hurts most, the network was looking.
 *
 *   image x (1, C, H, W), square of side F moved with stride S, filled with the colour `fill` (C values,
 *   in the network's input units — the dataset's mean colour after the same normalization, i.e. 0 for
 *   mean-subtracted inputs)
 *   rows    R = ceil((H − F) / S) + 1, the last row placed at H − F so the bottom edge is covered too
 *   columns Q likewise
 *   map[r, q] = p(true class | x with the square at (top, left) = (min(r·S, H − F), min(q·S, W − F)))
 *
 * `occlusionPixelMap` turns the R×Q map into one value per pixel (the mean over the squares that cover
 * it), which is what the heat map draws over the image.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Net } from '../nn/net.ts';
import { Tensor } from '../tensor/tensor.ts';
import { classProbabilities } from './class-scores.ts';
import type { PixelMap } from './saliency.ts';

export interface OcclusionOptions {
  /** F, the side of the square; default 8. */
  readonly size?: number;
  /** S, the step between squares; default 4. */
  readonly stride?: number;
  /** The square's colour, one value per channel in input units; default 0 (the mean of mean-subtracted data). */
  readonly fill?: readonly number[];
  /** Occluded copies per forward pass; default 64. */
  readonly batchSize?: number;
}

export interface OcclusionMap {
  readonly rows: number;
  readonly columns: number;
  readonly size: number;
  readonly stride: number;
  readonly label: number;
  /** p(label | unoccluded image). */
  readonly baseline: number;
  /** (R, Q) row-major: p(label) with the square at that place. */
  readonly probabilities: Float64Array;
  /** Top-left corner of square (r, q) is (tops[r], lefts[q]). */
  readonly tops: readonly number[];
  readonly lefts: readonly number[];
}

/** Positions of a square of side `size` moved by `stride` over `extent`, the last one flush with the edge. */
function positions(extent: number, size: number, stride: number): number[] {
  const out: number[] = [];
  for (let start = 0; ; start += stride) {
    out.push(Math.min(start, extent - size));
    if (start + size >= extent) break;
  }
  return out;
}

/** x (1, C, H, W), true class `label` → the R×Q occlusion map (see the module comment). */
export function occlusionSensitivity(net: Net, image: Tensor, label: number, options: OcclusionOptions = {}): OcclusionMap {
  if (image.shape.length !== 4 || image.shape[0] !== 1) {
    throw new ShapeError(`occlusionSensitivity: expected one image (1, C, H, W), got ${formatShape(image.shape)}`);
  }
  const [, channels, height, width] = image.shape;
  const size = options.size ?? 8;
  const stride = options.stride ?? 4;
  const batchSize = options.batchSize ?? 64;
  const fill = options.fill ?? new Array<number>(channels).fill(0);
  if (!Number.isInteger(size) || size < 1 || size > Math.min(height, width)) {
    throw new ConfigError(`occlusion: the square's size must be an integer in 1..${Math.min(height, width)} for ${height}x${width} images, got ${size}`);
  }
  if (!Number.isInteger(stride) || stride < 1) throw new ConfigError(`occlusion: the stride must be an integer ≥ 1, got ${stride}`);
  if (fill.length !== channels) throw new ConfigError(`occlusion: the fill colour needs ${channels} values (one per channel), got ${fill.length}`);
  if (!Number.isInteger(label) || label < 0 || label >= net.classes) {
    throw new ConfigError(`occlusion: class ${label} does not exist; the network scores classes 0..${net.classes - 1}`);
  }

  const tops = positions(height, size, stride);
  const lefts = positions(width, size, stride);
  const total = tops.length * lefts.length;
  const imageSize = channels * height * width;
  const plane = height * width;
  const probabilities = new Float64Array(total);
  const baseline = classProbabilities(net, image)[label];

  for (let first = 0; first < total; first += batchSize) {
    const count = Math.min(batchSize, total - first);
    const batch = Tensor.zeros([count, channels, height, width]);
    for (let i = 0; i < count; i++) {
      const place = first + i;
      const top = tops[Math.floor(place / lefts.length)];
      const left = lefts[place % lefts.length];
      const out = batch.data.subarray(i * imageSize, (i + 1) * imageSize);
      out.set(image.data);
      for (let c = 0; c < channels; c++) {
        for (let y = top; y < top + size; y++) out.fill(fill[c], c * plane + y * width + left, c * plane + y * width + left + size);
      }
    }
    const probs = classProbabilities(net, batch);
    const classes = net.classes;
    for (let i = 0; i < count; i++) probabilities[first + i] = probs[i * classes + label];
  }
  return { rows: tops.length, columns: lefts.length, size, stride, label, baseline, probabilities, tops, lefts };
}

/** The R×Q map as one value per pixel (H, W): the mean probability over the squares covering the pixel. */
export function occlusionPixelMap(map: OcclusionMap, height: number, width: number): PixelMap {
  const sums = new Float64Array(height * width);
  const counts = new Uint32Array(height * width);
  for (let r = 0; r < map.rows; r++) {
    for (let q = 0; q < map.columns; q++) {
      const p = map.probabilities[r * map.columns + q];
      for (let y = map.tops[r]; y < map.tops[r] + map.size; y++) {
        for (let x = map.lefts[q]; x < map.lefts[q] + map.size; x++) {
          sums[y * width + x] += p;
          counts[y * width + x]++;
        }
      }
    }
  }
  const values = new Float32Array(height * width);
  for (let i = 0; i < values.length; i++) values[i] = counts[i] > 0 ? sums[i] / counts[i] : map.baseline;
  return { height, width, values };
}
