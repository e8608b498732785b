/**
 * The layer contract every layer module implements.
 *
 * A layer maps a minibatch (N, ...inputShape) to (N, ...outputShape). `inputShape` and
 * `outputShape` are per-example shapes — [C, H, W] for images, [D] for vectors — fixed when the
 * layer is built (shape inference happens at build time, so a bad definition fails before any data
 * flows). Only N may change from call to call.
 *
 * Protocol, one training step:
 *   y  = layer.forward(x, { training: true })   // caches what backward needs
 *   dx = layer.backward(dy)                     // dy: same shape as y; returns dL/dx
 *
 * - backward ADDS dL/dparam into each parameter's `grad` (never overwrites): a parameter used on two
 *   paths receives the sum, and the trainer zeroes gradients explicitly before the next step.
 * - The tensor returned by forward (and by backward) may be a buffer the layer owns and reuses on the
 *   next call: copy it (`clone()`) to keep it. This is what keeps allocation out of the training loop.
 * - forward checks the input shape and throws a ShapeError naming the layer.
 */
import type { Shape, Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../tensor/rng.ts';
import { ConfigError } from '../errors.ts';
import type { Executor } from '../parallel/executor.ts';
import type { ForwardMode } from '../tensor/forward-mode.ts';
import type { Parameter } from '../tensor/parameter.ts';

// Parameter and ForwardMode live in tensor/ (every side of the library uses them); re-exported here
// so a layer module finds the whole contract in one import.
export type { Parameter } from '../tensor/parameter.ts';
export { makeParameter } from '../tensor/parameter.ts';
export type { ForwardMode } from '../tensor/forward-mode.ts';
export { INFERENCE, TRAINING } from '../tensor/forward-mode.ts';

export interface Layer {
  /** Layer type as written in definitions: 'fc', 'conv', 'pool', 'relu', 'softmax', ... */
  readonly type: string;
  /** Human-readable name used in errors and summaries, e.g. 'conv1'. */
  name: string;
  /** Per-example input shape the layer was built for. */
  readonly inputShape: Shape;
  /** Per-example output shape. */
  readonly outputShape: Shape;
  /** Learnable parameters (empty for activations and pooling). */
  parameters(): Parameter[];
  /** x: (N, ...inputShape) → y: (N, ...outputShape). */
  forward(input: Tensor, mode: ForwardMode): Tensor;
  /**
   * dy: (N, ...outputShape) → dx: (N, ...inputShape); adds parameter gradients into `grad`.
   * `needInputGrad` false (Caffe's propagate_down): the caller will not use dx — the first layer of a
   * net, whose input is the data — so a layer may skip computing it (for fc and conv that saves a
   * third of the backward work); the returned tensor's contents are then unspecified.
   */
  backward(outputGrad: Tensor, needInputGrad?: boolean): Tensor;
  /** Hyper-parameters as plain JSON (type included), enough to rebuild the layer. */
  config(): Record<string, unknown>;
  /**
   * Optional: state that is not learned by gradients but must be saved with the model, e.g. batch
   * normalization's running mean and variance.
   */
  buffers?(): { name: string; value: Tensor }[];
  /**
   * Optional, training only: this layer's forward followed by a ReLU's, in one pass — z = relu(y).
   * The next backward then takes dL/dz and returns dL/dx, the bits of the two layers run one after
   * the other. Net uses it for a layer directly followed by a 'relu' layer, which it then skips
   * (batch norm has it: src/kernels/batch-norm.ts).
   */
  forwardThenRelu?(input: Tensor, mode: ForwardMode): Tensor;
  /** Optional: layers with parallel kernels accept an executor (default: serial). */
  setExecutor?(executor: Executor): void;
}

/** Fills `weights` in place, given fan-in and fan-out (the shape of src/nn/initializers.ts hooks). */
export type WeightInitializerHook = ((weights: Tensor, fanIn: number, fanOut: number) => void) & {
  /** Hooks built from a JSON config carry it, so config() can write it back. */
  readonly config?: unknown;
};

/**
 * Initializes the weights of an fc or conv layer: with `init` when given, else He et al. (2015),
 * w ~ N(0, 2/fanIn) drawn from `rng` in row-major order — the scale that keeps activations at the
 * same size through ReLU layers. `where` names the layer when neither is given.
 */
export function initializeWeights(
  weights: Tensor, fanIn: number, fanOut: number, options: { init?: WeightInitializerHook; rng?: Rng }, where: string,
): void {
  if (options.init) {
    options.init(weights, fanIn, fanOut);
  } else if (options.rng) {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < weights.size; i++) weights.data[i] = options.rng.gaussian(0, std);
  } else {
    throw new ConfigError(`${where}: pass 'rng' (for the default He initialization) or an 'init' hook`);
  }
}
