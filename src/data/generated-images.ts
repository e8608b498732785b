/**
 * A generated image data set: ten classes of small RGB pictures (shapes, outlines, stripes,
 * checkerboards) drawn from a seeded Rng. It needs no files and no node:*, so every example, spec
 * and browser demo can train on real-looking image data in a second.
 *
 * How a picture is drawn (S = image size, default 32; all lengths scale with S/32):
 *   background: one dark colour, each channel uniform in [0, 110)
 *   foreground: one bright colour, each channel uniform in [130, 256)
 *   shape:      the class's shape at a random centre (S/2 ± 6), random size (half-size 6..11) and,
 *               for stripes and checkerboards, random period and phase
 *   noise:      every sample gets triangular noise in [-NOISE, NOISE], rounded and clamped to 0..255.
 *
 * Why this is a fair task: the class is in the shape, not in the colours (drawn the same way for
 * every class), and shapes move around. A linear classifier can still pick up each class's
 * average footprint (a blurred disc differs from a blurred frame), so it lands well above chance
 * but far from 100%; a convnet, whose filters slide, does much better. The spec checks both bounds
 * with a nearest-class-mean classifier.
 *
 * Labels are balanced (count/K per class, the remainder to the first classes) in shuffled order.
 * Deterministic: the same seed gives the same bytes on every runtime (the Rng is integer-exact and
 * the drawing uses only + - * /, sqrt and floor, which IEEE 754 rounds the same everywhere).
 */
import { ConfigError } from '../errors.ts';
import { Rng } from '../tensor/rng.ts';
import { makeImageDataset, type DatasetSplits, type ImageDataset } from './dataset.ts';

export const GENERATED_CLASS_NAMES: readonly string[] = Object.freeze([
  'disc',
  'ring',
  'square',
  'square outline',
  'plus sign',
  'diagonal cross',
  'horizontal stripes',
  'vertical stripes',
  'triangle',
  'checkerboard',
]);

/** Amplitude of the per-sample noise, on the 0..255 scale. */
const NOISE = 48;

export interface GeneratedImagesOptions {
  /** Number of training images. Default 5,000. */
  trainCount?: number;
  /** Number of test images. Default 1,000. */
  testCount?: number;
  /** S: images are 3 x S x S. Default 32; at least 8. */
  size?: number;
}

/**
 * Generates train and test splits (train first, then test, from the same Rng).
 * Each is N x 3 x S x S uint8 NCHW with labels 0..9 naming GENERATED_CLASS_NAMES.
 */
export function generateImageDataset(rng: Rng, options: GeneratedImagesOptions = {}): DatasetSplits {
  const trainCount = count(options.trainCount ?? 5000, 'trainCount');
  const testCount = count(options.testCount ?? 1000, 'testCount');
  const size = options.size ?? 32;
  if (!Number.isInteger(size) || size < 8) throw new ConfigError(`generateImageDataset: size must be an integer >= 8, got ${size}`);
  // The test split draws from its own generator, seeded by the first draw, so the test images do
  // not depend on how many training images were asked for (and a limited run evaluates on the
  // same first test images as a full one).
  const testRng = new Rng(rng.nextUint32());
  return {
    train: generateSplit(rng, 'generated-train', trainCount, size),
    test: generateSplit(testRng, 'generated-test', testCount, size),
  };
}

function generateSplit(rng: Rng, name: string, count: number, size: number): ImageDataset {
  const classCount = GENERATED_CLASS_NAMES.length;
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) labels[n] = n % classCount;
  rng.shuffle(labels);
  const planeSize = size * size;
  const pixels = new Uint8Array(count * 3 * planeSize);
  const mask = new Uint8Array(planeSize);
  for (let n = 0; n < count; n++) {
    drawShape(rng, labels[n], size, mask);
    const background = [rng.int(110), rng.int(110), rng.int(110)];
    const foreground = [130 + rng.int(126), 130 + rng.int(126), 130 + rng.int(126)];
    let noiseBits = 0; // one 32-bit draw feeds two samples: 16 bits each
    let samplesLeft = 0;
    for (let c = 0; c < 3; c++) {
      const start = (n * 3 + c) * planeSize;
      const foregroundValue = foreground[c];
      const backgroundValue = background[c];
      for (let p = 0; p < planeSize; p++) {
        if (samplesLeft === 0) {
          noiseBits = rng.nextUint32();
          samplesLeft = 2;
        }
        // Triangular noise in [-1, 1]: the sum of two uniform bytes, (b0 + b1)/255 - 1.
        const noise = ((noiseBits & 0xff) + ((noiseBits >>> 8) & 0xff)) / 255 - 1;
        noiseBits >>>= 16;
        samplesLeft--;
        const noisy = (mask[p] ? foregroundValue : backgroundValue) + NOISE * noise;
        pixels[start + p] = noisy <= 0 ? 0 : noisy >= 255 ? 255 : Math.round(noisy);
      }
    }
  }
  return makeImageDataset({ name, classNames: GENERATED_CLASS_NAMES, channels: 3, height: size, width: size, count, pixels, labels });
}

/**
 * Fills `mask` (S x S, row-major) with 1 where the class's shape covers pixel (y, x), else 0.
 * Coordinates are taken at pixel centres (x + 0.5, y + 0.5) relative to the shape's centre.
 */
function drawShape(rng: Rng, label: number, size: number, mask: Uint8Array): void {
  const scale = size / 32;
  const centreX = size / 2 + rng.uniformRange(-6, 6) * scale;
  const centreY = size / 2 + rng.uniformRange(-6, 6) * scale;
  const halfSize = rng.uniformRange(6, 11) * scale;
  const thickness = Math.max(1.5, halfSize * 0.3);
  const period = rng.uniformRange(4, 8) * scale; // stripes, checkerboard
  const phaseX = rng.uniformRange(0, period);
  const phaseY = rng.uniformRange(0, period);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - centreX;
      const dy = y + 0.5 - centreY;
      const distance = Math.sqrt(dx * dx + dy * dy);
      const boxDistance = Math.max(Math.abs(dx), Math.abs(dy)); // "radius" of a square
      let inside: boolean;
      switch (label) {
        case 0: // disc
          inside = distance <= halfSize;
          break;
        case 1: // ring
          inside = distance <= halfSize && distance >= halfSize - thickness;
          break;
        case 2: // square
          inside = boxDistance <= halfSize;
          break;
        case 3: // square outline
          inside = boxDistance <= halfSize && boxDistance >= halfSize - thickness;
          break;
        case 4: // plus sign
          inside = boxDistance <= halfSize && Math.min(Math.abs(dx), Math.abs(dy)) <= thickness / 2;
          break;
        case 5: // diagonal cross: distance to the lines y = x and y = -x is |dx ∓ dy| / √2
          inside = boxDistance <= halfSize && Math.min(Math.abs(dx - dy), Math.abs(dx + dy)) / Math.SQRT2 <= thickness / 2;
          break;
        case 6: // horizontal stripes over the whole picture
          inside = positiveModulo(y + phaseY, period) < period / 2;
          break;
        case 7: // vertical stripes
          inside = positiveModulo(x + phaseX, period) < period / 2;
          break;
        case 8: // triangle pointing up: inside the box, below the two slanted edges
          inside = dy <= halfSize && dy >= -halfSize && Math.abs(dx) <= (dy + halfSize) / 2;
          break;
        default: // checkerboard
          inside = (Math.floor((x + phaseX) / period) + Math.floor((y + phaseY) / period)) % 2 === 0;
      }
      mask[y * size + x] = inside ? 1 : 0;
    }
  }
}

function positiveModulo(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}

function count(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`generateImageDataset: ${option} must be a non-negative integer, got ${value}`);
  return value;
}
