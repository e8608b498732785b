/**
 * Two-dimensional toy data sets, the ones used to show why a network needs hidden layers: no
 * straight line separates the classes of a spiral or of concentric circles, while a small
 * two-layer net does (CS231n "Putting it together: minimal neural network case study").
 *
 * Portable (no node:*), seeded: the same Rng seed gives the same points.
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../tensor/rng.ts';

/** N points in the plane with a label each. */
export interface Toy2dDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  /** N */
  readonly count: number;
  /** N x 2, row-major: point n is (points[2n], points[2n+1]) = (x, y). Shape (N, D) with D = 2. */
  readonly points: Float32Array;
  /** N labels in 0..K-1. */
  readonly labels: Uint8Array;
}

export interface SpiralOptions {
  /** K, number of arms (= classes). Default 3. */
  arms?: number;
  /** Points per arm. Default 100. */
  pointsPerArm?: number;
  /** Std of the Gaussian noise added to the angle, in radians. Default 0.2 (as in CS231n). */
  noise?: number;
}

/**
 * K interleaved spiral arms. Arm k, point i of P (t = i/(P-1) in [0, 1]):
 *   radius = t,   angle = 4k + 4t + noise·g,   g ~ N(0, 1)
 *   (x, y) = (radius·sin(angle), radius·cos(angle))
 * so each arm turns through 4 radians from the centre to the unit circle. Points are listed arm by
 * arm (labels 0…0, 1…1, …); shuffle indices when drawing batches.
 */
export function spiral(rng: Rng, options: SpiralOptions = {}): Toy2dDataset {
  const arms = positiveInteger(options.arms ?? 3, 'spiral: arms');
  const pointsPerArm = positiveInteger(options.pointsPerArm ?? 100, 'spiral: pointsPerArm');
  const noise = nonNegative(options.noise ?? 0.2, 'spiral: noise');
  if (arms > 256) throw new ConfigError(`spiral: arms must be at most 256 (uint8 labels), got ${arms}`);
  const count = arms * pointsPerArm;
  const points = new Float32Array(count * 2);
  const labels = new Uint8Array(count);
  for (let k = 0; k < arms; k++) {
    for (let i = 0; i < pointsPerArm; i++) {
      const t = pointsPerArm === 1 ? 0 : i / (pointsPerArm - 1);
      const angle = 4 * k + 4 * t + noise * rng.gaussian();
      const n = k * pointsPerArm + i;
      points[2 * n] = t * Math.sin(angle);
      points[2 * n + 1] = t * Math.cos(angle);
      labels[n] = k;
    }
  }
  const classNames = Array.from({ length: arms }, (_, k) => `arm ${k}`);
  return { name: `spiral-${arms}`, classNames, count, points, labels };
}

export interface CirclesOptions {
  /** K, number of concentric rings (= classes). Default 2. */
  rings?: number;
  /** Points per ring. Default 100. */
  pointsPerRing?: number;
  /** Std of the Gaussian noise added to each coordinate. Default 0.05. */
  noise?: number;
}

/**
 * K concentric rings. Ring k has radius (k + 1)/K; each point takes a uniform angle θ:
 *   (x, y) = (r·cos θ + noise·g1, r·sin θ + noise·g2),  g1, g2 ~ N(0, 1)
 * With K = 2 this is the classic "circles" set: the inner ring (radius 0.5) is label 0.
 */
export function circles(rng: Rng, options: CirclesOptions = {}): Toy2dDataset {
  const rings = positiveInteger(options.rings ?? 2, 'circles: rings');
  const pointsPerRing = positiveInteger(options.pointsPerRing ?? 100, 'circles: pointsPerRing');
  const noise = nonNegative(options.noise ?? 0.05, 'circles: noise');
  if (rings > 256) throw new ConfigError(`circles: rings must be at most 256 (uint8 labels), got ${rings}`);
  const count = rings * pointsPerRing;
  const points = new Float32Array(count * 2);
  const labels = new Uint8Array(count);
  for (let k = 0; k < rings; k++) {
    const radius = (k + 1) / rings;
    for (let i = 0; i < pointsPerRing; i++) {
      const theta = 2 * Math.PI * rng.uniform();
      const n = k * pointsPerRing + i;
      points[2 * n] = radius * Math.cos(theta) + noise * rng.gaussian();
      points[2 * n + 1] = radius * Math.sin(theta) + noise * rng.gaussian();
      labels[n] = k;
    }
  }
  const classNames = Array.from({ length: rings }, (_, k) => `ring ${k} (radius ${((k + 1) / rings).toFixed(2)})`);
  return { name: `circles-${rings}`, classNames, count, points, labels };
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${option} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(value: number, option: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new ConfigError(`${option} must be a finite number >= 0, got ${value}`);
  return value;
}
