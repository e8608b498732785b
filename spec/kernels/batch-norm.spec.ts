import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BatchNormBackwardArgs, type BatchNormForwardArgs, batchNormBackward, batchNormForward } from '../../src/kernels/batch-norm.ts';
import { Rng } from '../../src/tensor/rng.ts';

// The kernels sum four channels side by side (src/kernels/batch-norm.ts); these specs keep the plain
// one-channel-at-a-time loops and require the same bits from both, for every channel count (the
// groups of four and their remainders), spatial size, both modes, and channel ranges cut anywhere.

/** The plain forward: per channel, Σ(x − K) and Σ(x − K)² (K its first value), then y = a·x + b — sums in the order n, s. */
function referenceForward(args: BatchNormForwardArgs, channelStart: number, channelEnd: number): void {
  const { input: x, batchSize, spatialSize: S, channels: C } = args;
  const count = batchSize * S;
  for (let c = channelStart; c < channelEnd; c++) {
    let mean: number;
    let inverseStd: number;
    if (args.training) {
      const shift = x[c * S];
      let sum = 0;
      let squares = 0;
      for (let n = 0; n < batchSize; n++) {
        for (let s = 0; s < S; s++) {
          const d = x[(n * C + c) * S + s] - shift;
          sum += d;
          squares += d * d;
        }
      }
      mean = shift + sum / count;
      const variance = Math.max(0, (squares - sum * (sum / count)) / count);
      inverseStd = 1 / Math.sqrt(variance + args.eps);
      args.runningMean[c] = args.momentum * args.runningMean[c] + (1 - args.momentum) * mean;
      args.runningVariance[c] = args.momentum * args.runningVariance[c] + (1 - args.momentum) * ((variance * count) / (count - 1));
    } else {
      mean = args.runningMean[c];
      inverseStd = 1 / Math.sqrt(args.runningVariance[c] + args.eps);
    }
    args.mean[c] = mean;
    args.inverseStd[c] = inverseStd;
    const a = args.gamma[c] * inverseStd;
    const b = args.beta[c] - a * mean;
    for (let n = 0; n < batchSize; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        args.output[i] = a * x[i] + b;
      }
    }
  }
}

/** The plain backward: per channel, Σdy and Σdy·x in the order n, s, then dx = A·dy + (B·x + C). */
function referenceBackward(args: BatchNormBackwardArgs, channelStart: number, channelEnd: number): void {
  const { outputGrad: dy, input: x, batchSize, spatialSize: S, channels: C } = args;
  const count = batchSize * S;
  for (let c = channelStart; c < channelEnd; c++) {
    let sumGrad = 0;
    let sumGradTimesInput = 0;
    for (let n = 0; n < batchSize; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        sumGrad += dy[i];
        sumGradTimesInput += dy[i] * x[i];
      }
    }
    const sumGradTimesNormalized = args.inverseStd[c] * (sumGradTimesInput - args.mean[c] * sumGrad);
    args.betaGrad[c] += sumGrad;
    args.gammaGrad[c] += sumGradTimesNormalized;
    const scale = args.gamma[c] * args.inverseStd[c];
    const slope = args.training ? -scale * args.inverseStd[c] * (sumGradTimesNormalized / count) : 0;
    const offset = args.training ? -scale * (sumGrad / count) - slope * args.mean[c] : 0;
    for (let n = 0; n < batchSize; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        args.inputGrad[i] = args.training ? scale * dy[i] + (slope * x[i] + offset) : scale * dy[i] + 0;
      }
    }
  }
}

function randomArray(length: number, rng: Rng): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** (rng.int(21) - 10);
  return values;
}

/**
 * (N, C, S) values for which the ORDER of each channel's float64 sum shows: random values, plus in
 * every channel a huge ±B (about 2⁴⁵) at one position and −B at a later one. The running sum then
 * loses the low bits of everything added between the two, and which values those are depends on the
 * order — so a kernel summing in any other order than n, s gives other means and gradients.
 */
function cancellingChannels(batchSize: number, channels: number, spatialSize: number, rng: Rng): Float32Array {
  const values = randomArray(batchSize * channels * spatialSize, rng);
  const count = batchSize * spatialSize;
  const position = (c: number, m: number) => (Math.floor(m / spatialSize) * channels + c) * spatialSize + (m % spatialSize);
  for (let c = 0; c < channels; c++) {
    const first = rng.int(count - 1);
    const second = first + 1 + rng.int(count - 1 - first);
    const huge = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 2 ** 45;
    values[position(c, first)] = huge;
    values[position(c, second)] = -huge;
  }
  return values;
}

/** Copies of every typed array in `args`, so two kernels can run on the same inputs. */
function copyArgs<Args extends Record<string, unknown>>(args: Args): Args {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) copy[key] = value instanceof Float32Array || value instanceof Float64Array ? value.slice() : value;
  return copy as Args;
}

function assertSameBits(actual: Record<string, unknown>, expected: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(expected)) {
    if (!(value instanceof Float32Array || value instanceof Float64Array)) continue;
    assert.deepEqual(new Uint32Array((actual[key] as Float32Array).buffer), new Uint32Array(value.buffer), `${where}: ${key}`);
  }
}

test('batch-norm kernels give the bits of the one-channel loops, for 1–9 channels, both modes, any channel range', () => {
  const rng = new Rng(11);
  for (let channels = 1; channels <= 9; channels++) {
    for (const spatialSize of [1, 3, 7, 16]) {
      for (const training of [true, false]) {
        const batchSize = 2 + rng.int(3);
        const size = batchSize * channels * spatialSize;
        const forward: BatchNormForwardArgs = {
          input: cancellingChannels(batchSize, channels, spatialSize, rng), output: new Float32Array(size),
          gamma: randomArray(channels, rng), beta: randomArray(channels, rng),
          runningMean: randomArray(channels, rng), runningVariance: randomArray(channels, rng).map(Math.abs),
          mean: new Float64Array(channels), inverseStd: new Float64Array(channels), batchSize, channels, spatialSize, training, momentum: 0.9, eps: 1e-5,
        };
        const [start, end] = channels > 2 ? [1 + rng.int(channels - 2), channels] : [0, channels];
        const where = `N=${batchSize} C=${channels} S=${spatialSize} ${training ? 'training' : 'inference'} channels [${start}, ${end})`;
        const expectedForward = copyArgs(forward);
        referenceForward(expectedForward, start, end);
        batchNormForward(forward, start, end);
        assertSameBits(forward, expectedForward, `forward ${where}`);

        const backward: BatchNormBackwardArgs = {
          outputGrad: cancellingChannels(batchSize, channels, spatialSize, rng), input: forward.input, inputGrad: new Float32Array(size),
          gamma: forward.gamma, gammaGrad: randomArray(channels, rng), betaGrad: randomArray(channels, rng),
          mean: forward.mean, inverseStd: forward.inverseStd, batchSize, channels, spatialSize, training,
        };
        const expectedBackward = copyArgs(backward);
        referenceBackward(expectedBackward, start, end);
        batchNormBackward(backward, start, end);
        assertSameBits(backward, expectedBackward, `backward ${where}`);
      }
    }
  }
});
