/**
 * The computational graph: tensor-valued nodes, a topological backward pass, accumulated gradients.
 *
 * This is micrograd's engine lifted from scalars to tensors. A GraphNode holds
 *   value: the Tensor its gate computed in the forward pass (any shape; a scalar has shape []),
 *   grad:  dL/dvalue, a Tensor of the same shape, and
 *   the inputs it was computed from, plus `backwardStep`: the gate's local derivative rule, which
 *   reads this node's grad and ADDS each input's share into that input's grad (chain rule).
 *
 * The forward pass happens as the graph is built: calling an op (src/graph/ops.ts) computes its value
 * immediately and records the edge. `backward(root)` then
 *   1. orders every node reachable from the root so that each node comes after its inputs
 *      (depth-first post-order: a topological order),
 *   2. zeroes the grads of the interior nodes (the ones an op made) — they belong to this pass only,
 *   3. adds the seed dL/droot into root.grad (1 for a scalar loss),
 *   4. runs the nodes' backwardSteps in reverse order, so a node's grad is complete (every consumer
 *      has contributed) before it is pushed further down.
 *
 * Why gradients accumulate (+=) instead of being assigned: a value used twice — x·x, or x feeding two
 * branches — receives one contribution per use, and the multivariable chain rule says dL/dx is their
 * sum. Assigning would keep only the last one. Consequently leaf gradients (the ones `variable` made,
 * and the parameters of layer gates) keep accumulating across backward calls until `zeroGrad`.
 */
import { ShapeError, formatShape } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import { Tensor } from '../tensor/tensor.ts';

/** True when two shapes have the same dimensions in the same order. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/** A gate's local derivative: reads `node.grad` and adds into the grads of `node.inputs`. */
export type BackwardStep = (node: GraphNode) => void;

export class GraphNode {
  /** The forward value. Leaves wrap the caller's tensor (not copied), so it can be updated in place. */
  readonly value: Tensor;
  /** dL/dvalue, same shape as value, accumulated by backward. */
  readonly grad: Tensor;
  /** The nodes this one was computed from (empty for a leaf). The same node may appear twice. */
  readonly inputs: readonly GraphNode[];
  /** Gate name for printing and errors: 'variable', 'add', 'multiply', 'layer fc1', ... */
  readonly op: string;
  /** The local derivative rule (null for a leaf: nothing to propagate to). */
  readonly backwardStep: BackwardStep | null;
  /** Learnable parameters this gate owns outside the graph (a layer gate's weights and biases). */
  readonly parameters: readonly Parameter[];

  constructor(
    value: Tensor,
    inputs: readonly GraphNode[] = [],
    op = 'variable',
    backwardStep: BackwardStep | null = null,
    parameters: readonly Parameter[] = [],
  ) {
    this.value = value;
    this.grad = Tensor.zeros(value.shape);
    this.inputs = inputs;
    this.op = op;
    this.backwardStep = backwardStep;
    this.parameters = parameters;
  }

  /** A leaf has no inputs: its gradient accumulates across backward calls until zeroGrad. */
  get isLeaf(): boolean {
    return this.inputs.length === 0;
  }
}

/**
 * A leaf node over `value` (a Tensor, wrapped without copying, or a number, which becomes a scalar of
 * shape []). Change `value.data` in place and rebuild the ops to re-run the forward pass.
 */
export function variable(value: Tensor | number): GraphNode {
  return new GraphNode(typeof value === 'number' ? Tensor.scalar(value) : value);
}

/**
 * Every node reachable from `root`, each after all of its inputs (inputs first, root last).
 * Iterative depth-first post-order, so deep graphs cannot overflow the call stack.
 */
export function topologicalOrder(root: GraphNode): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>([root]);
  // Each stack entry is a node and the index of the next input to visit.
  const stack: Array<{ node: GraphNode; nextInput: number }> = [{ node: root, nextInput: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.nextInput < top.node.inputs.length) {
      const input = top.node.inputs[top.nextInput++];
      if (!visited.has(input)) {
        visited.add(input);
        stack.push({ node: input, nextInput: 0 });
      }
    } else {
      stack.pop();
      order.push(top.node);
    }
  }
  return order;
}

/**
 * Back-propagates from `root`: adds dL/dnode into every node's grad (and into the parameter grads of
 * layer gates).
 *
 * seed: dL/droot. Omitted, the root must be a scalar (one element) and the seed is 1 — the usual
 * case, root = the loss. Given, it must have the root's shape (used to back-propagate a projection,
 * as the gradient check does, or an upstream gradient from outside the graph).
 */
export function backward(root: GraphNode, seed?: Tensor): void {
  if (seed === undefined && root.value.size !== 1) {
    throw new ShapeError(
      `graph backward: the root (${root.op}) has shape ${formatShape(root.value.shape)}; ` +
        'without a seed gradient it must be a scalar (reduce it with sum first, or pass a seed of its shape)',
    );
  }
  if (seed !== undefined && !sameShape(seed.shape, root.value.shape)) {
    throw new ShapeError(
      `graph backward: seed ${formatShape(seed.shape)} does not match the root (${root.op}) ${formatShape(root.value.shape)}`,
    );
  }
  const order = topologicalOrder(root);
  // Interior gradients describe one pass; stale values from an earlier pass would be pushed down again.
  for (const node of order) if (!node.isLeaf) node.grad.zero();

  const rootGrad = root.grad.data;
  if (seed === undefined) rootGrad[0] += 1;
  else for (let i = 0; i < rootGrad.length; i++) rootGrad[i] += seed.data[i];

  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    node.backwardStep?.(node);
  }
}

/** Sets to zero the grad of every node reachable from `root` and of every layer-gate parameter. */
export function zeroGrad(root: GraphNode): void {
  for (const node of topologicalOrder(root)) {
    node.grad.zero();
    for (const parameter of node.parameters) parameter.grad.zero();
  }
}

/** The distinct learnable parameters of the layer gates reachable from `root`, inputs first. */
export function graphParameters(root: GraphNode): Parameter[] {
  const seen = new Set<Parameter>();
  for (const node of topologicalOrder(root)) for (const parameter of node.parameters) seen.add(parameter);
  return [...seen];
}
