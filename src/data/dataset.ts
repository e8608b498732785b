/**
 * The in-memory image dataset every loader returns, and the helpers a trainer needs around it.
 *
 * Pixels stay as bytes (0..255) until a batch is drawn: CIFAR-10's 60,000 images take 184 MB as
 * uint8 but would take 737 MB as float32. `toFloatBatch` converts just the images of one batch,
 * normalising them on the way, into a buffer the caller owns and reuses.
 *
 * Layout: NCHW planes, like the library's tensors. Sample (n, c, y, x) is
 *   pixels[((n*C + c)*H + y)*W + x]
 * which is also exactly how a CIFAR-10 record stores its image (R plane, G plane, B plane).
 *
 * Portable: no node:* imports (the loaders that read files live next to this, in their own modules).
 */
import { ConfigError, DataError, ShapeError } from '../errors.ts';
import { type PatchWhitening, applyPatchWhitening, patchWhiteningScratchSize } from './patch-whitening.ts';

export interface ImageDataset {
  /** E.g. "cifar10-train". Used in messages and reports. */
  readonly name: string;
  /** classNames[k] names label k; its length is the number of classes K. */
  readonly classNames: readonly string[];
  /** C: 1 (gray) or 3 (RGB). */
  readonly channels: number;
  /** H */
  readonly height: number;
  /** W */
  readonly width: number;
  /** N: number of images. */
  readonly count: number;
  /** N*C*H*W bytes, NCHW planes, 0..255. */
  readonly pixels: Uint8Array;
  /** N labels, each in 0..K-1. */
  readonly labels: Uint8Array;
}

export interface DatasetSplits {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/**
 * Per-channel normalisation: out = (pixel - mean[c]) / std[c], pixel on the 0..255 scale, optionally
 * followed by patch ZCA whitening (a fixed convolution fitted on the training set, patch-whitening.ts).
 */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly whitening?: PatchWhitening;
}

/**
 * Builds an ImageDataset after checking that every length agrees:
 * pixels.length = N*C*H*W, labels.length = N, every label < K.
 * @throws DataError naming the dataset and the field that disagrees.
 */
export function makeImageDataset(fields: ImageDataset): ImageDataset {
  const { name, classNames, channels, height, width, count, pixels, labels } = fields;
  for (const [field, value] of [['channels', channels], ['height', height], ['width', width], ['count', count]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new DataError(`dataset "${name}": ${field} must be a non-negative integer, got ${value}`);
    }
  }
  const imageSize = channels * height * width;
  if (pixels.length !== count * imageSize) {
    throw new DataError(
      `dataset "${name}": ${count} images of ${channels}x${height}x${width} need ${count * imageSize} pixel bytes, got ${pixels.length}`,
    );
  }
  if (labels.length !== count) {
    throw new DataError(`dataset "${name}": ${count} images need ${count} labels, got ${labels.length}`);
  }
  const classCount = classNames.length;
  for (let n = 0; n < count; n++) {
    if (labels[n] >= classCount) {
      throw new DataError(`dataset "${name}": label ${labels[n]} of image ${n} is not below the class count ${classCount}`);
    }
  }
  return { name, classNames: [...classNames], channels, height, width, count, pixels, labels };
}

/** Number of images of each class: counts[k] = #{n : labels[n] = k}, length K. */
export function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (let n = 0; n < dataset.count; n++) counts[dataset.labels[n]]++;
  return counts;
}

/**
 * A new dataset holding copies of the images at `indices`, in that order (repeats allowed).
 * Used for validation splits and quick runs on a few images.
 */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>, name = `${dataset.name}-subset`): ImageDataset {
  const imageSize = dataset.channels * dataset.height * dataset.width;
  const pixels = new Uint8Array(indices.length * imageSize);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const n = checkIndex(dataset, indices[i]);
    pixels.set(dataset.pixels.subarray(n * imageSize, (n + 1) * imageSize), i * imageSize);
    labels[i] = dataset.labels[n];
  }
  return { ...dataset, name, count: indices.length, pixels, labels };
}

/**
 * Converts the images at `indices` into a normalised float32 batch, written into `out`.
 *
 *   out[((i*C + c)*H + y)*W + x] = (pixels[((n*C + c)*H + y)*W + x] - mean[c]) / std[c],  n = indices[i]
 *
 * `out` must hold exactly B*C*H*W floats with B = indices.length (a Tensor of shape (B, C, H, W)
 * passes its .data). Nothing is allocated, so a trainer reuses one buffer for every batch. The
 * division is done as a multiplication by 1/std[c], computed once per channel. With
 * `normalization.whitening`, each standardised image is then whitened in place (patch-whitening.ts).
 * @throws ShapeError if `out` has the wrong length or an index is outside 0..N-1;
 *         ConfigError if mean/std do not have C entries or a std is not positive.
 */
export function toFloatBatch(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  out: Float32Array,
  normalization: Normalization = { mean: [0], std: [1] },
): Float32Array {
  const { channels, height, width, pixels } = dataset;
  const planeSize = height * width;
  const imageSize = channels * planeSize;
  if (out.length !== indices.length * imageSize) {
    throw new ShapeError(
      `toFloatBatch(${dataset.name}): a batch of ${indices.length} images of ${channels}x${height}x${width} ` +
        `needs an output of ${indices.length * imageSize} floats, got ${out.length}`,
    );
  }
  const { mean, std } = expandNormalization(normalization, channels, dataset.name);
  for (let i = 0; i < indices.length; i++) {
    const n = checkIndex(dataset, indices[i]);
    for (let c = 0; c < channels; c++) {
      const channelMean = mean[c];
      const inverseStd = 1 / std[c];
      const inStart = n * imageSize + c * planeSize;
      const outStart = i * imageSize + c * planeSize;
      for (let p = 0; p < planeSize; p++) out[outStart + p] = (pixels[inStart + p] - channelMean) * inverseStd;
    }
  }
  if (normalization.whitening) {
    const scratchSize = patchWhiteningScratchSize(channels, height, width, normalization.whitening.size);
    if (whiteningScratch.length < scratchSize) whiteningScratch = new Float32Array(scratchSize);
    applyPatchWhitening(out, indices.length, channels, height, width, normalization.whitening, whiteningScratch);
  }
  return out;
}

/** Whitening's scratch (one image and its im2col columns); grown once, then reused. */
let whiteningScratch = new Float32Array(0);

/**
 * Mean and standard deviation of each channel over all N*H*W pixels of the dataset (0..255 scale),
 * the usual input to `toFloatBatch`: mean[c] = Σ x / M, std[c] = sqrt(Σ x² / M - mean[c]²),
 * M = N*H*W (population std). Sums are exact: they are integers below 2^53.
 */
export function channelStatistics(dataset: ImageDataset): Normalization {
  const { channels, height, width, count, pixels } = dataset;
  const planeSize = height * width;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sumOfSquares = 0;
    for (let n = 0; n < count; n++) {
      const start = (n * channels + c) * planeSize;
      for (let p = 0; p < planeSize; p++) {
        const value = pixels[start + p];
        sum += value;
        sumOfSquares += value * value;
      }
    }
    const samples = count * planeSize;
    const channelMean = samples > 0 ? sum / samples : 0;
    mean.push(channelMean);
    std.push(samples > 0 ? Math.sqrt(Math.max(0, sumOfSquares / samples - channelMean * channelMean)) : 0);
  }
  return { mean, std };
}

/**
 * One image as HWC bytes (sample (y, x, c) at (y*W + x)*C + c), the layout image files use
 * (see src/io/png.ts). Converts from the dataset's CHW planes.
 */
export function imageToHwc(dataset: ImageDataset, index: number): Uint8Array {
  const n = checkIndex(dataset, index);
  const { channels, height, width, pixels } = dataset;
  const planeSize = height * width;
  const out = new Uint8Array(channels * planeSize);
  const start = n * channels * planeSize;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < planeSize; p++) out[p * channels + c] = pixels[start + c * planeSize + p];
  }
  return out;
}

function checkIndex(dataset: ImageDataset, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
    throw new ShapeError(`dataset "${dataset.name}": image index ${index} is outside 0..${dataset.count - 1}`);
  }
  return index;
}

/** Mean/std with one entry broadcast to every channel, or exactly C entries. */
function expandNormalization(normalization: Normalization, channels: number, where: string): { mean: number[]; std: number[] } {
  const expand = (values: readonly number[], field: string): number[] => {
    if (values.length === 1) return new Array<number>(channels).fill(values[0]);
    if (values.length !== channels) {
      throw new ConfigError(`toFloatBatch(${where}): ${field} needs 1 or ${channels} entries, got ${values.length}`);
    }
    return [...values];
  };
  const mean = expand(normalization.mean, 'mean');
  const std = expand(normalization.std, 'std');
  for (const value of std) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new ConfigError(`toFloatBatch(${where}): every std must be a positive finite number, got ${value}`);
    }
  }
  return { mean, std };
}
