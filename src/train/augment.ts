/**
 * Data augmentation for image minibatches: random horizontal flips and random shifts.
 *
 * Why: a convnet trained on CIFAR-10 sees each image many times; showing it mirrored or moved by a
 * pixel or two makes new, equally valid examples for free, so the network learns that a cat facing
 * left is still a cat and overfits less (ConvNetJS's CIFAR-10 demo flips and shifts by up to 2 px).
 *
 *   out[n, c, y, x] = m[n, c, y − dy, x − dx],   m[n, c, y, x] = in[n, c, y, W−1−x] if flipped, else in
 *
 * i.e. mirror first, then shift: a positive dx moves the picture right, a positive dy down. Pixels
 * that come from outside the image are 0 (zero fill; the inputs are mean-subtracted, so 0 is the
 * average colour rather than black).
 *
 * Each image draws its own flip (probability 1/2) and shift (dx, dy uniform in [−maxShift, maxShift])
 * from the Rng in a fixed order, so the same Rng state gives the same batch.
 */
import { ShapeError, formatShape } from '../errors.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface AugmentOptions {
  /** Mirror left–right with probability 1/2. */
  flip: boolean;
  /** Largest shift in pixels, in each direction (0 = no shift). */
  maxShift: number;
}

/**
 * input, output: (N, C, H, W), distinct buffers. Writes the augmented batch into `output`.
 */
export function augmentBatch(input: Tensor, output: Tensor, options: AugmentOptions, rng: Rng): void {
  if (input.rank !== 4 || output.size !== input.size) {
    throw new ShapeError(`augmentBatch: expected two (N, C, H, W) tensors of one size, got ${formatShape(input.shape)} and ${formatShape(output.shape)}`);
  }
  const [batch, channels, height, width] = input.shape;
  const source = input.data;
  const target = output.data;
  const plane = height * width;
  for (let n = 0; n < batch; n++) {
    const flip = options.flip && rng.uniform() < 0.5;
    const dx = options.maxShift > 0 ? rng.int(2 * options.maxShift + 1) - options.maxShift : 0;
    const dy = options.maxShift > 0 ? rng.int(2 * options.maxShift + 1) - options.maxShift : 0;
    for (let c = 0; c < channels; c++) {
      const base = (n * channels + c) * plane;
      for (let y = 0; y < height; y++) {
        const sourceY = y - dy;
        const row = base + y * width;
        if (sourceY < 0 || sourceY >= height) {
          target.fill(0, row, row + width);
          continue;
        }
        const sourceRow = base + sourceY * width;
        for (let x = 0; x < width; x++) {
          const shiftedX = x - dx;
          if (shiftedX < 0 || shiftedX >= width) {
            target[row + x] = 0;
          } else {
            target[row + x] = source[sourceRow + (flip ? width - 1 - shiftedX : shiftedX)];
          }
        }
      }
    }
  }
}
