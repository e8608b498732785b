/**
 * t-SNE, exact (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9): places N points
 * of dimension D in the plane so that points close in D dimensions stay close.
 *
 * Input affinities (§2, §3.2): for each point i a Gaussian of width σ_i over the others,
 *   p_{j|i} = exp(−‖x_i − x_j‖² β_i) / Σ_{k≠i} exp(−‖x_i − x_k‖² β_i),   β_i = 1/(2σ_i²)
 * with β_i found by binary search so that the perplexity 2^{H(P_i)} (here e^{H} with H in nats, the
 * same thing) equals the `perplexity` option; then symmetrised, p_ij = (p_{j|i} + p_{i|j}) / 2N.
 *
 * Map affinities (§3.3), a Student t with one degree of freedom, whose heavy tail lets moderate
 * distances become large ones (the "crowding problem"):
 *   q_ij = (1 + ‖y_i − y_j‖²)^−1 / Σ_{k≠l} (1 + ‖y_k − y_l‖²)^−1
 * Gradient of KL(P‖Q) (eq. 5):
 *   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)^−1
 *
 * Optimization (§3.4): y ~ N(0, 10⁻⁴ I) from the seeded Rng; gradient descent with momentum
 * α = 0.5 for the first 250 iterations and 0.8 after; learning rate η = 100 with per-coordinate gains
 * (Jacobs 1988: +0.2 where the gradient changes sign against the last update, ×0.8 where it does not,
 * never below 0.01); "early exaggeration": P multiplied by 4 for the first 50 iterations, which
 * forms tight, widely separated clusters early. The map is re-centred after every step.
 *
 * Cost O(N²) memory and time per iteration — fine for a thousand points. Every sum runs in a fixed
 * order in double precision, so the same input and seed give the same bits.
 */
import { ConfigError } from '../errors.ts';
import { Rng } from '../tensor/rng.ts';

export interface TsneOptions {
  /** Effective number of neighbours; default 30 (must be < N). */
  readonly perplexity?: number;
  /** Default 1000. */
  readonly iterations?: number;
  /** η; default 100. */
  readonly learningRate?: number;
  /** Factor on P early on; default 4. */
  readonly exaggeration?: number;
  /** Iterations with the exaggeration; default 50. */
  readonly exaggerationIterations?: number;
  readonly seed?: number;
}

/** Squared Euclidean distances between the rows of points (N, D): (N, N), row-major. */
export function squaredDistances(points: ArrayLike<number>, count: number, dimension: number): Float64Array {
  const distances = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      let sum = 0;
      for (let d = 0; d < dimension; d++) {
        const difference = points[i * dimension + d] - points[j * dimension + d];
        sum += difference * difference;
      }
      distances[i * count + j] = sum;
      distances[j * count + i] = sum;
    }
  }
  return distances;
}

/**
 * Row i of the conditional affinities p_{j|i} with the β_i whose perplexity matches `perplexity`,
 * by bisection on β (the entropy falls as β grows). Writes into `row` (N); returns β_i.
 */
export function conditionalRow(distances: Float64Array, count: number, i: number, perplexity: number, row: Float64Array): number {
  const targetEntropy = Math.log(perplexity);
  let beta = 1;
  let low = 0;
  let high = Infinity;
  for (let attempt = 0; attempt < 100; attempt++) {
    // Subtracting the smallest distance leaves p unchanged and keeps exp() from underflowing to 0/0.
    let nearest = Infinity;
    for (let j = 0; j < count; j++) if (j !== i) nearest = Math.min(nearest, distances[i * count + j]);
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < count; j++) {
      if (j === i) {
        row[j] = 0;
        continue;
      }
      const shifted = distances[i * count + j] - nearest;
      const value = Math.exp(-shifted * beta);
      row[j] = value;
      sum += value;
      weighted += shifted * value;
    }
    // H = log Σ exp(−β d_j) + β Σ d_j p_j  (in nats, with the shifted distances: the shift cancels)
    const entropy = Math.log(sum) + (beta * weighted) / sum;
    for (let j = 0; j < count; j++) row[j] /= sum;
    const error = entropy - targetEntropy;
    if (Math.abs(error) < 1e-5) break;
    if (error > 0) {
      low = beta;
      beta = high === Infinity ? beta * 2 : (beta + high) / 2;
    } else {
      high = beta;
      beta = (beta + low) / 2;
    }
  }
  return beta;
}

/** Symmetrised joint affinities p_ij (N, N) of the rows of points (N, D). */
export function jointAffinities(points: ArrayLike<number>, count: number, dimension: number, perplexity: number): Float64Array {
  const distances = squaredDistances(points, count, dimension);
  const conditional = new Float64Array(count * count);
  const row = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    conditionalRow(distances, count, i, perplexity, row);
    conditional.set(row, i * count);
  }
  const joint = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      joint[i * count + j] = i === j ? 0 : Math.max((conditional[i * count + j] + conditional[j * count + i]) / (2 * count), 1e-12);
    }
  }
  return joint;
}

/** points (N, D), row-major → the map Y (N, 2), row-major. */
export function tsne(points: ArrayLike<number>, count: number, dimension: number, options: TsneOptions = {}): Float64Array {
  const perplexity = options.perplexity ?? 30;
  const iterations = options.iterations ?? 1000;
  const learningRate = options.learningRate ?? 100;
  const exaggeration = options.exaggeration ?? 4;
  const exaggerationIterations = options.exaggerationIterations ?? 50;
  if (points.length !== count * dimension) throw new ConfigError(`tsne: ${count} points of dimension ${dimension} need ${count * dimension} values, got ${points.length}`);
  if (count < 2) throw new ConfigError(`tsne: needs at least 2 points, got ${count}`);
  if (!(perplexity > 1 && perplexity < count)) {
    throw new ConfigError(`tsne: perplexity must be between 1 and the number of points (${count}), got ${perplexity}; try ${Math.max(2, Math.min(30, Math.floor((count - 1) / 3)))}`);
  }
  const p = jointAffinities(points, count, dimension, perplexity);
  const rng = new Rng(options.seed ?? 1);
  const y = new Float64Array(count * 2);
  for (let i = 0; i < y.length; i++) y[i] = rng.gaussian(0, 1e-2); // N(0, 10⁻⁴ I): standard deviation 10⁻²
  const update = new Float64Array(count * 2);
  const gains = new Float64Array(count * 2).fill(1);
  const gradient = new Float64Array(count * 2);
  const kernel = new Float64Array(count * count); // (1 + ‖y_i − y_j‖²)^−1

  for (let iteration = 0; iteration < iterations; iteration++) {
    const scale = iteration < exaggerationIterations ? exaggeration : 1;
    const momentum = iteration < 250 ? 0.5 : 0.8;
    let total = 0;
    for (let i = 0; i < count; i++) {
      for (let j = i + 1; j < count; j++) {
        const dx = y[2 * i] - y[2 * j];
        const dy = y[2 * i + 1] - y[2 * j + 1];
        const value = 1 / (1 + dx * dx + dy * dy);
        kernel[i * count + j] = value;
        kernel[j * count + i] = value;
        total += 2 * value;
      }
    }
    for (let i = 0; i < count; i++) {
      let gx = 0;
      let gy = 0;
      for (let j = 0; j < count; j++) {
        if (j === i) continue;
        const k = kernel[i * count + j];
        const force = (scale * p[i * count + j] - k / total) * k;
        gx += force * (y[2 * i] - y[2 * j]);
        gy += force * (y[2 * i + 1] - y[2 * j + 1]);
      }
      gradient[2 * i] = 4 * gx;
      gradient[2 * i + 1] = 4 * gy;
    }
    let meanX = 0;
    let meanY = 0;
    for (let d = 0; d < y.length; d++) {
      // Jacobs' rule: the last update went against the gradient's sign, so a gradient of the opposite
      // sign to the update means "keep going this way" — grow the gain; a sign flip means we overshot.
      gains[d] = Math.sign(gradient[d]) !== Math.sign(update[d]) ? gains[d] + 0.2 : Math.max(0.01, gains[d] * 0.8);
      update[d] = momentum * update[d] - learningRate * gains[d] * gradient[d];
      y[d] += update[d];
      if (d % 2 === 0) meanX += y[d];
      else meanY += y[d];
    }
    for (let i = 0; i < count; i++) {
      y[2 * i] -= meanX / count;
      y[2 * i + 1] -= meanY / count;
    }
  }
  return y;
}
