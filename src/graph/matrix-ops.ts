/**
 * Matrix gates: what it takes to write a linear classifier or a fully connected net as a graph.
 *
 *   op                 forward                          local derivative (accumulated)
 *   matmul(a, b)       out = a·b    (M, K)·(K, P)        da += dout·bᵀ,   db += aᵀ·dout
 *   transpose(a)       out = aᵀ     (M, P) → (P, M)      da += doutᵀ
 *   addBias(a, b)      out[m, p] = a[m, p] + b[p]       da += dout,      db[p] += Σ_m dout[m, p]
 *
 * The matmul rules are the scalar chain rule on out[m, p] = Σ_k a[m, k]·b[k, p]: a[m, k] meets every
 * b[k, p] of row k, so its gradient is Σ_p dout[m, p]·b[k, p]; symmetrically for b. addBias copies one
 * bias row onto every row of a (the fully connected layer's "+ b"), so the bias collects the
 * gradient of every row — a sum over the batch.
 *
 * These are the textbook loops (sums in float64, stored as float32), written to be read; the layers
 * compute the same products with a blocked GEMM. spec/graph/gates-match-net.spec.ts checks the two
 * agree to float32 rounding.
 */
import { ShapeError, formatShape } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { GraphNode } from './node.ts';

function checkMatrix(node: GraphNode, op: string, which: string): [number, number] {
  const shape = node.value.shape;
  if (shape.length !== 2) {
    throw new ShapeError(`graph ${op}: ${which} must be a matrix (2 dimensions), got ${formatShape(shape)}`);
  }
  return [shape[0], shape[1]];
}

/** out = a·b: a (M, K), b (K, P) → (M, P). */
export function matmul(a: GraphNode, b: GraphNode): GraphNode {
  const [M, K] = checkMatrix(a, 'matmul', 'a');
  const [K2, P] = checkMatrix(b, 'matmul', 'b');
  if (K !== K2) {
    throw new ShapeError(
      `graph matmul: a ${formatShape(a.value.shape)} has ${K} columns but b ${formatShape(b.value.shape)} has ${K2} rows; they must agree`,
    );
  }
  const x = a.value.data;
  const y = b.value.data;
  const out = Tensor.zeros([M, P]);
  for (let m = 0; m < M; m++) {
    for (let p = 0; p < P; p++) {
      let total = 0;
      for (let k = 0; k < K; k++) total += x[m * K + k] * y[k * P + p];
      out.data[m * P + p] = total;
    }
  }
  return new GraphNode(out, [a, b], 'matmul', (node) => {
    const dout = node.grad.data;
    const da = a.grad.data;
    const db = b.grad.data;
    // da[m, k] += Σ_p dout[m, p]·b[k, p]   (dout·bᵀ)
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        let total = 0;
        for (let p = 0; p < P; p++) total += dout[m * P + p] * y[k * P + p];
        da[m * K + k] += total;
      }
    }
    // db[k, p] += Σ_m a[m, k]·dout[m, p]   (aᵀ·dout)
    for (let k = 0; k < K; k++) {
      for (let p = 0; p < P; p++) {
        let total = 0;
        for (let m = 0; m < M; m++) total += x[m * K + k] * dout[m * P + p];
        db[k * P + p] += total;
      }
    }
  });
}

/** out = aᵀ: a (M, P) → (P, M). */
export function transpose(a: GraphNode): GraphNode {
  const [M, P] = checkMatrix(a, 'transpose', 'a');
  const x = a.value.data;
  const out = Tensor.zeros([P, M]);
  for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) out.data[p * M + m] = x[m * P + p];
  return new GraphNode(out, [a], 'transpose', (node) => {
    // Transposing only moves values, so the gradient moves back the same way.
    const dout = node.grad.data;
    const da = a.grad.data;
    for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) da[m * P + p] += dout[p * M + m];
  });
}

/** out[m, p] = a[m, p] + b[p]: a (M, P), b (P) → (M, P). */
export function addBias(a: GraphNode, b: GraphNode): GraphNode {
  const [M, P] = checkMatrix(a, 'addBias', 'a');
  if (b.value.shape.length !== 1 || b.value.shape[0] !== P) {
    throw new ShapeError(`graph addBias: the bias must have shape (${P}) to match a ${formatShape(a.value.shape)}, got ${formatShape(b.value.shape)}`);
  }
  const x = a.value.data;
  const bias = b.value.data;
  const out = Tensor.zeros([M, P]);
  for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) out.data[m * P + p] = x[m * P + p] + bias[p];
  return new GraphNode(out, [a, b], 'addBias', (node) => {
    const dout = node.grad.data;
    const da = a.grad.data;
    const db = b.grad.data;
    for (let m = 0; m < M; m++) {
      for (let p = 0; p < P; p++) {
        da[m * P + p] += dout[m * P + p];
        db[p] += dout[m * P + p];
      }
    }
  });
}
