/**
 * What the Trainer and `evaluate` can learn from: an image dataset (uint8 pixels, normalized batch by
 * batch) or plain features — an (N, D) float32 matrix with N labels, e.g. the 2-D points of the
 * lecture's spiral, or features computed elsewhere.
 *
 *   ImageDataset   pixels (N, C, H, W) uint8 → batch (B, C, H, W) float32 through `preprocessing`
 *   FeatureDataset features (N, D) float32  → batch (B, D) float32, rows copied as they are
 *
 * Both give N examples with labels in 0..K−1 and a per-example shape; `fillBatch` writes the rows at
 * `indices` into a buffer the caller reuses. Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';
import type { ImageDataset, Normalization } from '../data/dataset.ts';
import { toFloatBatch } from '../data/dataset.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Plain (N, D) data: row n is features[n*D .. n*D+D), its label labels[n]. */
export interface FeatureDataset {
  readonly kind: 'features';
  /** Used in messages. */
  readonly name: string;
  /** N */
  readonly count: number;
  /** D */
  readonly featureSize: number;
  /** N×D values, row-major. */
  readonly features: Float32Array;
  /** N labels, each in 0..K−1. */
  readonly labels: ArrayLike<number>;
}

export type TrainingData = ImageDataset | FeatureDataset;

/**
 * Wraps an (N, D) Tensor or a Float32Array of N×D values (give `featureSize` D then) with N labels.
 * @throws DataError when the lengths disagree or a label is not an integer ≥ 0.
 */
export function featureDataset(
  features: Tensor | Float32Array,
  labels: ArrayLike<number>,
  options: { featureSize?: number; name?: string } = {},
): FeatureDataset {
  const name = options.name ?? 'features';
  const data = features instanceof Float32Array ? features : features.data;
  let featureSize: number;
  if (features instanceof Float32Array) {
    featureSize = options.featureSize ?? -1;
    if (!Number.isInteger(featureSize) || featureSize < 1) {
      throw new DataError(`featureDataset "${name}": a flat Float32Array needs featureSize D (a positive integer), got ${options.featureSize}`);
    }
  } else {
    if (features.rank !== 2) throw new DataError(`featureDataset "${name}": features must be (N, D), got shape (${features.shape.join(', ')})`);
    featureSize = features.shape[1];
  }
  const count = labels.length;
  if (data.length !== count * featureSize) {
    throw new DataError(`featureDataset "${name}": ${count} labels need ${count}×${featureSize} = ${count * featureSize} feature values, got ${data.length}`);
  }
  for (let n = 0; n < count; n++) {
    const label = labels[n];
    if (!Number.isInteger(label) || label < 0) throw new DataError(`featureDataset "${name}": label ${n} is ${label}, expected an integer ≥ 0`);
  }
  return { kind: 'features', name, count, featureSize, features: data, labels };
}

export function isFeatureDataset(data: TrainingData): data is FeatureDataset {
  return (data as FeatureDataset).kind === 'features';
}

/** Per-example shape: [D] for features, [C, H, W] for images. */
export function exampleShape(data: TrainingData): number[] {
  return isFeatureDataset(data) ? [data.featureSize] : [data.channels, data.height, data.width];
}

/**
 * Writes the examples at `indices` into `out` (B × example size floats): images through
 * `toFloatBatch` with `preprocessing`, feature rows copied unchanged (`preprocessing` is ignored).
 */
export function fillBatch(data: TrainingData, indices: Int32Array, out: Float32Array, preprocessing?: Normalization): void {
  if (!isFeatureDataset(data)) {
    toFloatBatch(data, indices, out, preprocessing);
    return;
  }
  const size = data.featureSize;
  for (let i = 0; i < indices.length; i++) {
    const n = indices[i];
    if (!(n >= 0 && n < data.count)) throw new DataError(`${data.name}: example index ${n} is outside 0..${data.count - 1}`);
    out.set(data.features.subarray(n * size, (n + 1) * size), i * size);
  }
}
