/**
 * Patch ZCA whitening: a fixed k×k convolution, fitted once on the training images, that decorrelates
 * neighbouring pixels and colours before the network sees them.
 *
 * Why: natural images are dominated by smooth, low-frequency structure — neighbouring pixels are
 * ~90 % correlated — so a first-layer filter mostly sees (and gradient descent mostly follows) the
 * local average brightness. ZCA whitening rescales every direction of the input space to the same
 * variance, which brings edges and colour contrasts forward (CS231n "Data preprocessing"; Keras's
 * `zca_whitening`). Full-image ZCA needs the eigenvectors of a 3072×3072 covariance; its rows turn out
 * to be small centre-surround filters, so here it is done on k×k patches (D = C·k·k dimensions) and
 * applied as a convolution, which costs little and works for any image size.
 *
 * Fitting (on images already standardised per channel, see dataset.ts):
 *   patches x ∈ R^D from every image of a deterministic subsample, at every `stride`-th position;
 *   μ = mean x,  Σ = cov x = U Λ Uᵀ (symmetric-eigen.ts),
 *   W = U (Λ + ε I)^(-1/2) Uᵀ                         the ZCA matrix: W Σ Wᵀ ≈ I when ε ≪ λ
 *   kernel[o] = row of W for channel o at the patch centre, divided by its output std √(w Σ wᵀ)
 *   offset[o] = kernel[o] · μ
 * ε > 0 keeps the noisiest directions (eigenvalues below ε) from being blown up; with standardised
 * pixels the eigenvalues sum to D, so ε = 0.1 damps only the finest, noise-level detail.
 * Each output channel is scaled to unit variance so the layers after it see the same scale as
 * without whitening (their initialisation assumes it).
 *
 * Applying (per image, zero padding k/2 like a 'same' convolution):
 *   out[o, y, x] = Σ_{i, dy, dx} kernel[o, i, dy, dx] · in[i, y + dy − k/2, x + dx − k/2] − offset[o]
 *
 * Deterministic (no Rng): the same images give the same kernel, so resuming a run refits it exactly.
 * Portable: no node:* imports.
 */
import { ConfigError, ShapeError } from '../errors.ts';
import { conv2dForwardIm2col } from '../kernels/conv-im2col.ts';
import { symmetricEigen } from '../tensor/symmetric-eigen.ts';

/**
 * The images a whitening is fitted on, as an ImageDataset (dataset.ts) holds them: N images of
 * C×H×W bytes, NCHW planes. Written out here rather than imported because dataset.ts imports this
 * module (toFloatBatch applies the whitening), and the dependency runs one way only.
 */
export interface WhiteningImages {
  readonly name: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly count: number;
  readonly pixels: Uint8Array;
}

/** The per-channel standardisation applied before the whitening: a Normalization's mean and std. */
export interface ChannelStandardization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export interface PatchWhitening {
  /** k: odd patch (and kernel) side. */
  readonly size: number;
  /** ε added to every eigenvalue before the inverse square root. */
  readonly epsilon: number;
  /** (C, C, k, k) row-major: kernel[((o*C + i)*k + dy)*k + dx]. */
  readonly kernel: readonly number[];
  /** C: subtracted from output channel o, so whitened pixels have zero mean. */
  readonly offset: readonly number[];
}

export interface PatchWhiteningOptions {
  /** k, odd, default 5. */
  size?: number;
  /** ε, default 0.1 (pixels standardised to unit variance). */
  epsilon?: number;
  /** How many images (evenly spaced through the dataset) give patches; default 5000. */
  maxImages?: number;
  /** Step between patch positions inside an image; default 2. */
  stride?: number;
}

/**
 * Fits patch ZCA whitening on `dataset`, whose pixels are first standardised with `normalization`
 * (the whitening is applied after it; see `toFloatBatch`).
 * @throws ConfigError if k is not an odd integer ≥ 1 that fits in the image, or ε is not positive.
 */
export function fitPatchWhitening(dataset: WhiteningImages, normalization: ChannelStandardization, options: PatchWhiteningOptions = {}): PatchWhitening {
  const size = options.size ?? 5;
  const epsilon = options.epsilon ?? 0.1;
  const stride = options.stride ?? 2;
  const { channels: C, height: H, width: W } = dataset;
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0 || size > H || size > W) {
    throw new ConfigError(`patch whitening of "${dataset.name}": the patch size must be an odd integer from 1 to ${Math.min(H, W)}, got ${size}`);
  }
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new ConfigError(`patch whitening of "${dataset.name}": epsilon must be a positive number, got ${epsilon}`);
  }
  if (!Number.isInteger(stride) || stride < 1) {
    throw new ConfigError(`patch whitening of "${dataset.name}": stride must be a positive integer, got ${stride}`);
  }
  if (dataset.count === 0) throw new ConfigError(`patch whitening of "${dataset.name}": the dataset has no images`);
  const imageCount = Math.min(dataset.count, options.maxImages ?? 5000);
  const D = C * size * size;
  const plane = H * W;

  // Σ x and Σ x xᵀ over the patches, in float64 (upper triangle of the second moment only).
  const sum = new Float64Array(D);
  const moment = new Float64Array(D * D);
  const patch = new Float64Array(D);
  const image = new Float32Array(C * plane);
  let patches = 0;
  for (let m = 0; m < imageCount; m++) {
    // The same standardisation as toFloatBatch, which applies the whitening after it.
    const start = Math.floor((m * dataset.count) / imageCount) * C * plane;
    for (let c = 0; c < C; c++) {
      const channelMean = normalization.mean[c] ?? normalization.mean[0];
      const inverseStd = 1 / (normalization.std[c] ?? normalization.std[0]);
      for (let p = 0; p < plane; p++) image[c * plane + p] = (dataset.pixels[start + c * plane + p] - channelMean) * inverseStd;
    }
    for (let y = 0; y + size <= H; y += stride) {
      for (let x = 0; x + size <= W; x += stride) {
        let d = 0;
        for (let c = 0; c < C; c++) {
          for (let dy = 0; dy < size; dy++) {
            const row = c * plane + (y + dy) * W + x;
            for (let dx = 0; dx < size; dx++) patch[d++] = image[row + dx];
          }
        }
        for (let i = 0; i < D; i++) {
          const pi = patch[i];
          sum[i] += pi;
          const base = i * D;
          for (let j = i; j < D; j++) moment[base + j] += pi * patch[j];
        }
        patches++;
      }
    }
  }

  const mean = new Float64Array(D);
  for (let i = 0; i < D; i++) mean[i] = sum[i] / patches;
  const covariance = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      const value = moment[i * D + j] / patches - mean[i] * mean[j];
      covariance[i * D + j] = value;
      covariance[j * D + i] = value;
    }
  }
  const zca = zcaMatrix(covariance, D, epsilon);

  const kernel: number[] = [];
  const offset: number[] = [];
  const centre = (size >> 1) * size + (size >> 1);
  for (let o = 0; o < C; o++) {
    const row = zca.subarray((o * size * size + centre) * D, (o * size * size + centre + 1) * D);
    // Output variance of this row over the fitted patches: w Σ wᵀ.
    let variance = 0;
    for (let i = 0; i < D; i++) {
      let sigmaW = 0;
      for (let j = 0; j < D; j++) sigmaW += covariance[i * D + j] * row[j];
      variance += row[i] * sigmaW;
    }
    const scale = 1 / Math.sqrt(variance);
    let shift = 0;
    for (let i = 0; i < D; i++) {
      kernel.push(row[i] * scale);
      shift += row[i] * scale * mean[i];
    }
    offset.push(shift);
  }
  return { size, epsilon, kernel, offset };
}

/**
 * The ZCA matrix W = U (Λ + εI)^(-1/2) Uᵀ of a (D, D) covariance Σ = U Λ Uᵀ, row-major float64.
 * Symmetric, and W Σ Wᵀ = U Λ/(Λ + ε) Uᵀ, which tends to the identity as ε → 0.
 */
export function zcaMatrix(covariance: ArrayLike<number>, dimension: number, epsilon: number): Float64Array {
  const { values, vectors } = symmetricEigen(covariance, dimension);
  const D = dimension;
  const zca = new Float64Array(D * D);
  for (let k = 0; k < D; k++) {
    // Rounding can leave the smallest eigenvalues of a covariance a hair below zero.
    const factor = 1 / Math.sqrt(Math.max(0, values[k]) + epsilon);
    for (let i = 0; i < D; i++) {
      const uik = vectors[i * D + k] * factor;
      if (uik === 0) continue;
      for (let j = 0; j < D; j++) zca[i * D + j] += uik * vectors[j * D + k];
    }
  }
  return zca;
}

/** Floats of scratch `applyPatchWhitening` needs: one image (C·H·W) plus its im2col columns (C·k·k·H·W). */
export function patchWhiteningScratchSize(channels: number, height: number, width: number, size: number): number {
  return channels * height * width * (1 + size * size);
}

/**
 * Applies `whitening` to a batch of B images (B, C, H, W) in `data`, in place. `scratch` holds at
 * least patchWhiteningScratchSize(C, H, W, k) floats and is overwritten; a caller that whitens batch
 * after batch passes the same one, so nothing is allocated per batch but two tiny kernel copies.
 * @throws ShapeError if the kernel is not (C, C, k, k) for this C, or the buffers are too short.
 */
export function applyPatchWhitening(
  data: Float32Array,
  batch: number,
  channels: number,
  height: number,
  width: number,
  whitening: PatchWhitening,
  scratch: Float32Array,
): void {
  const { size, kernel, offset } = whitening;
  const C = channels;
  const plane = height * width;
  const imageSize = C * plane;
  if (kernel.length !== C * C * size * size || offset.length !== C) {
    throw new ShapeError(
      `patch whitening: a ${size}x${size} kernel for ${C}-channel images needs ${C * C * size * size} weights and ${C} offsets, ` +
        `got ${kernel.length} and ${offset.length}`,
    );
  }
  const scratchSize = patchWhiteningScratchSize(C, height, width, size);
  if (data.length < batch * imageSize || scratch.length < scratchSize) {
    throw new ShapeError(`patch whitening: ${batch} images of ${C}x${height}x${width} need ${batch * imageSize} floats and a scratch of ${scratchSize}`);
  }
  // The whitening is a C→C convolution with 'same' zero padding, so it runs on the library's
  // im2col + GEMM convolution kernel, one image at a time: the scratch holds a copy of the image
  // (the input) and its columns matrix, and the output overwrites the image in `data`.
  const half = size >> 1;
  const geometry = {
    batchSize: 1, inputChannels: C, inputHeight: height, inputWidth: width, filters: C, filterHeight: size, filterWidth: size,
    strideH: 1, strideW: 1, padH: half, padW: half, dilationH: 1, dilationW: 1, outputHeight: height, outputWidth: width,
  };
  const weights = Float32Array.from(kernel);
  const bias = Float32Array.from(offset, (value) => -value);
  const input = scratch.subarray(0, imageSize);
  const columns = scratch.subarray(imageSize, scratchSize);
  for (let n = 0; n < batch; n++) {
    const image = data.subarray(n * imageSize, (n + 1) * imageSize);
    input.set(image);
    conv2dForwardIm2col({ ...geometry, input, weights, bias, output: image, columns }, 0, 1);
  }
}
