/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna, 2018), seeded through SplitMix32.
 *
 * Why this generator: it works on 32-bit integers only, which JavaScript does exactly with `| 0`,
 * `>>> 0` and `Math.imul`, so every runtime (Node, browsers, Deno, Bun, a port to C) produces the
 * same bits for the same seed. The whole state is four 32-bit words: `getState()`/`setState()` save
 * and restore it, which is what makes training checkpoints resume bit-identically.
 *
 * Library code never calls Math.random: every source of randomness (weight init, dropout masks,
 * shuffling, augmentation) takes an Rng.
 */
export type RngState = [number, number, number, number];

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second value of the last Box–Muller pair, or NaN when none is cached. */
  private spareGaussian = Number.NaN;

  constructor(seed: number = 1) {
    // SplitMix32 spreads a small integer seed over the 128-bit state (never all zeros).
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Gaussian draw with the given mean and standard deviation (Box–Muller transform; the second
   * value of each pair is cached, and the cache is part of the saved state).
   */
  gaussian(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spareGaussian)) {
      const value = this.spareGaussian;
      this.spareGaussian = Number.NaN;
      return mean + std * value;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) would be -Infinity
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }

  /** The full generator state, JSON-serializable. */
  getState(): { words: RngState; spareGaussian: number | null } {
    return {
      words: [this.s0, this.s1, this.s2, this.s3],
      spareGaussian: Number.isNaN(this.spareGaussian) ? null : this.spareGaussian,
    };
  }

  /** Restores a state from `getState()`: the following draws repeat exactly. */
  setState(state: { words: RngState; spareGaussian: number | null }): void {
    [this.s0, this.s1, this.s2, this.s3] = state.words.map((w) => w >>> 0) as RngState;
    this.spareGaussian = state.spareGaussian ?? Number.NaN;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
