/**
 * The layer gate: any Layer (src/layers/layer.ts) as one node of a computational graph, so the
 * minibatch layers — fully connected, activations, convolution, ... — compose with the elementwise
 * ops of ops.ts.
 *
 * The graph sits below the layers (a layer may use a graph helper, like sigmoid's σ), so this file
 * does not import the Layer interface: it states the part of the layer contract a gate uses,
 * `GateLayer`, and every Layer fits it as it is.
 *
 *   forward:  out = layer.forward(input.value, mode), CLONED — layers reuse their output buffer on
 *             the next call, and a graph node must keep its value for the backward pass.
 *   backward: input.grad += layer.backward(out.grad); the layer itself adds dL/dθ into each of its
 *             parameters' grad, as the layer contract says, so parameter gradients accumulate
 *             exactly like node gradients. The parameters are listed on the node (zeroGrad and
 *             graphParameters find them there).
 *
 * One restriction follows from the layer contract: a layer caches what its backward needs from its
 * LAST forward call. A layer instance may therefore appear only once per graph; applying it twice
 * (weight sharing) would make the first gate back-propagate through the second call's cache. That
 * case is detected and rejected with a ConfigError rather than silently giving wrong gradients.
 */
import { ConfigError } from '../errors.ts';
import type { ForwardMode } from '../tensor/forward-mode.ts';
import { TRAINING } from '../tensor/forward-mode.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { GraphNode } from './node.ts';

/** What a gate needs of a layer: the forward/backward/parameters part of the Layer contract. */
export interface GateLayer {
  /** Used in the gate's name and in errors, e.g. 'fc1'. */
  readonly name: string;
  /** x: (N, ...inputShape) → y: (N, ...outputShape); may return a buffer the layer reuses. */
  forward(input: Tensor, mode: ForwardMode): Tensor;
  /** dy → dx, adding dL/dθ into each parameter's grad. */
  backward(outputGrad: Tensor): Tensor;
  parameters(): Parameter[];
}

/** For each layer, the gate of its most recent forward call: the only one its cache can serve. */
const latestGate = new WeakMap<GateLayer, GraphNode>();

/** x: (N, ...layer.inputShape) node → (N, ...layer.outputShape) node. mode defaults to TRAINING. */
export function layerGate(layer: GateLayer, input: GraphNode, mode: ForwardMode = TRAINING): GraphNode {
  const output = layer.forward(input.value, mode).clone();
  const gate = new GraphNode(
    output,
    [input],
    `layer ${layer.name}`,
    (node) => {
      if (latestGate.get(layer) !== node) {
        throw new ConfigError(
          `graph: layer ${layer.name} was run again after this gate's forward pass, so its cached values ` +
            'belong to the later call; use one layer instance per gate (weight sharing is not supported)',
        );
      }
      const inputGradient = layer.backward(node.grad).data;
      const dx = input.grad.data;
      for (let i = 0; i < dx.length; i++) dx[i] += inputGradient[i];
    },
    layer.parameters(),
  );
  latestGate.set(layer, gate);
  return gate;
}
