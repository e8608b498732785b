/**
 * Gates of the computational graph: each op computes its forward value now and returns a GraphNode
 * whose backwardStep — written right under the forward — applies the local derivative:
 *
 *   input.grad += (∂out/∂input) ⊙ out.grad        (chain rule, accumulated; see node.ts)
 *
 * Elementwise ops take inputs of the same shape (no broadcasting: a shape mismatch is a ShapeError
 * naming the op) and produce that shape. `sum` reduces any tensor to a scalar of shape [].
 * Matrix gates (matmul, transpose, addBias) are in matrix-ops.ts, the loss and penalty gates that
 * end a graph in loss-gates.ts.
 *
 *   op                forward                 local derivative
 *   add(a, b)         a + b                   ∂/∂a = 1,  ∂/∂b = 1          (distributes the gradient)
 *   multiply(a, b)    a ⊙ b                   ∂/∂a = b,  ∂/∂b = a          (swaps the inputs)
 *   maximum(a, b)     max(a, b)               1 to the larger input, 0 to the other (routes it);
 *                                             on a tie a ≥ b, the whole gradient goes to a
 *   relu(a)           max(a, 0)               1 where a > 0, else 0         (a gate: passes or blocks)
 *   exp(a)            eᵃ                      eᵃ  (the output itself)
 *   sigmoid(a)        σ(a) = 1/(1 + e⁻ᵃ)      σ(a)·(1 − σ(a))  (from the output alone)
 *   sum(a)            Σᵢ aᵢ                   1 for every element (copies the scalar gradient)
 *
 * Using the same node for both inputs (multiply(x, x)) is allowed: each use adds its share, giving
 * 2x·out.grad as the rules above predict.
 */
import { ShapeError, formatShape } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { GraphNode, sameShape } from './node.ts';

function checkSameShape(a: GraphNode, b: GraphNode, op: string): void {
  if (!sameShape(a.value.shape, b.value.shape)) {
    throw new ShapeError(
      `graph ${op}: inputs must have the same shape, got ${formatShape(a.value.shape)} and ${formatShape(b.value.shape)} ` +
        '(this graph does not broadcast)',
    );
  }
}

/** out = a + b, elementwise. */
export function add(a: GraphNode, b: GraphNode): GraphNode {
  checkSameShape(a, b, 'add');
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  const y = b.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = x[i] + y[i];
  return new GraphNode(out, [a, b], 'add', (node) => {
    // An add gate hands its upstream gradient unchanged to both inputs.
    const upstream = node.grad.data;
    const dx = a.grad.data;
    const dy = b.grad.data;
    for (let i = 0; i < upstream.length; i++) {
      dx[i] += upstream[i];
      dy[i] += upstream[i];
    }
  });
}

/** out = a ⊙ b (elementwise product). */
export function multiply(a: GraphNode, b: GraphNode): GraphNode {
  checkSameShape(a, b, 'multiply');
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  const y = b.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = x[i] * y[i];
  return new GraphNode(out, [a, b], 'multiply', (node) => {
    // A multiply gate swaps its inputs: ∂(xy)/∂x = y and ∂(xy)/∂y = x.
    const upstream = node.grad.data;
    const dx = a.grad.data;
    const dy = b.grad.data;
    for (let i = 0; i < upstream.length; i++) {
      dx[i] += y[i] * upstream[i];
      dy[i] += x[i] * upstream[i];
    }
  });
}

/** out = max(a, b), elementwise. Ties (a = b) send the gradient to a. */
export function maximum(a: GraphNode, b: GraphNode): GraphNode {
  checkSameShape(a, b, 'maximum');
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  const y = b.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = x[i] >= y[i] ? x[i] : y[i];
  return new GraphNode(out, [a, b], 'maximum', (node) => {
    // A max gate routes: the input that won the forward pass gets the whole gradient.
    const upstream = node.grad.data;
    const dx = a.grad.data;
    const dy = b.grad.data;
    for (let i = 0; i < upstream.length; i++) {
      if (x[i] >= y[i]) dx[i] += upstream[i];
      else dy[i] += upstream[i];
    }
  });
}

/** out = max(a, 0), elementwise (the ReLU layer's rule: at a = 0 exactly, no gradient passes). */
export function relu(a: GraphNode): GraphNode {
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = x[i] > 0 ? x[i] : 0;
  return new GraphNode(out, [a], 'relu', (node) => {
    // A ReLU gate is a switch: the gradient flows where the input was positive, nowhere else.
    const upstream = node.grad.data;
    const dx = a.grad.data;
    for (let i = 0; i < upstream.length; i++) if (x[i] > 0) dx[i] += upstream[i];
  });
}

/** out = eᵃ, elementwise. */
export function exp(a: GraphNode): GraphNode {
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = Math.exp(x[i]);
  return new GraphNode(out, [a], 'exp', (node) => {
    // d(eˣ)/dx = eˣ: the output we already computed.
    const upstream = node.grad.data;
    const y = node.value.data;
    const dx = a.grad.data;
    for (let i = 0; i < upstream.length; i++) dx[i] += y[i] * upstream[i];
  });
}

/** σ(x) = 1/(1 + e⁻ˣ), evaluated so that e^(±x) never overflows (shared with the sigmoid layer). */
export function sigmoidOf(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const ex = Math.exp(x); // for x < 0 this is < 1, and σ(x) = eˣ/(1 + eˣ)
  return ex / (1 + ex);
}

/** out = σ(a), elementwise: one gate for the whole 1/(1 + e⁻ᵃ) sub-graph, with its compact derivative. */
export function sigmoid(a: GraphNode): GraphNode {
  const out = Tensor.zeros(a.value.shape);
  const x = a.value.data;
  for (let i = 0; i < out.size; i++) out.data[i] = sigmoidOf(x[i]);
  return new GraphNode(out, [a], 'sigmoid', (node) => {
    // dσ/dx = (1 − σ)·σ: needs only the output, not the input.
    const upstream = node.grad.data;
    const y = node.value.data;
    const dx = a.grad.data;
    for (let i = 0; i < upstream.length; i++) dx[i] += (1 - y[i]) * y[i] * upstream[i];
  });
}

/** out = Σᵢ aᵢ, a scalar (shape []); the sum is taken in float64, then stored as float32. */
export function sum(a: GraphNode): GraphNode {
  const x = a.value.data;
  let total = 0;
  for (let i = 0; i < x.length; i++) total += x[i];
  return new GraphNode(Tensor.scalar(total), [a], 'sum', (node) => {
    // Every element contributed with weight 1, so every element receives the scalar gradient.
    const upstream = node.grad.data[0];
    const dx = a.grad.data;
    for (let i = 0; i < dx.length; i++) dx[i] += upstream;
  });
}
