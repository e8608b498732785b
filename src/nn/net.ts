/**
 * Net: a sequential network — a list of layers applied in order, with a classification loss on top.
 *
 *   x (N, ...inputShape) → layer 1 → … → layer L → scores (N, classes) → loss
 *
 * The last layer decides the loss, as in ConvNetJS: a final 'softmax' layer means softmax
 * cross-entropy, a final 'svm' layer means the multiclass hinge loss. For training, the loss is computed
 * from the scores *before* that final layer (the logits): softmax followed by cross-entropy has the
 * simple, numerically stable gradient p − onehot(y), which is what the loss module returns, so the
 * softmax layer itself is never back-propagated through in training. For prediction, `forward` runs
 * every layer, so a softmax net returns probabilities.
 *
 * Fusion: in training, a layer that offers forwardThenRelu (batch norm) directly followed by a 'relu'
 * layer runs as one step — the pair's forward in one pass, its backward in the first layer's — which
 * saves two passes over the tensor and gives the same bits (a spec compares). The relu layer is then
 * not called; every layer stays in `layers`, in files and in summaries as it was defined.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Layer } from '../layers/layer.ts';
import type { ForwardMode } from '../tensor/forward-mode.ts';
import type { Parameter } from '../tensor/parameter.ts';
import { INFERENCE, TRAINING } from '../tensor/forward-mode.ts';
import type { Executor } from '../parallel/executor.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import { type SoftmaxLoss, softmaxCrossEntropyLoss } from '../losses/softmax-cross-entropy.ts';
import { type ClassificationLoss, svmLoss } from '../losses/svm.ts';

export type LossKind = 'softmax' | 'svm';

export class Net {
  readonly layers: Layer[];
  readonly inputShape: Shape;
  /** The classification loss implied by the final layer. */
  readonly loss: LossKind;
  /** The last training step's loss result: its tensors are reused by the next (no allocation per step). */
  private lastSoftmaxLoss: SoftmaxLoss | undefined;
  private lastSvmLoss: ClassificationLoss | undefined;
  /**
   * Fuse a batchnorm with the relu after it in training passes (see the header). On by default; off,
   * every layer runs on its own — the same bits, more time (specs and benches compare the two).
   */
  fusion = true;
  /** absorbed[i]: the last forward ran layer i (a relu) inside layer i − 1's forwardThenRelu. */
  private readonly absorbed: boolean[];

  constructor(inputShape: Shape, layers: Layer[]) {
    if (layers.length === 0) throw new ConfigError('Net: a network needs at least one layer');
    this.inputShape = inputShape;
    this.layers = layers;
    const last = layers[layers.length - 1];
    if (last.type !== 'softmax' && last.type !== 'svm') {
      throw new ConfigError(`Net: the last layer must be 'softmax' or 'svm' (it decides the loss), got '${last.type}'`);
    }
    this.loss = last.type;
    this.absorbed = layers.map(() => false);
    // Shapes must chain: each layer was built for the previous layer's output.
    let shape = inputShape;
    for (const layer of layers) {
      if (layer.inputShape.length !== shape.length || layer.inputShape.some((d, i) => d !== shape[i])) {
        throw new ShapeError(`Net: ${layer.name} was built for input ${formatShape(layer.inputShape)} but receives ${formatShape(shape)}`);
      }
      shape = layer.outputShape;
    }
  }

  /** Number of classes: the size of the final layer's output. */
  get classes(): number {
    return this.layers[this.layers.length - 1].outputShape[0];
  }

  /** Every learnable parameter, layer by layer. */
  parameters(): Parameter[] {
    return this.layers.flatMap((layer) => layer.parameters());
  }

  /** Total number of learnable values. */
  parameterCount(): number {
    return this.parameters().reduce((total, p) => total + p.value.size, 0);
  }

  /** Sets every parameter gradient to zero (gradients accumulate; the trainer clears them per step). */
  zeroGrad(): void {
    for (const parameter of this.parameters()) parameter.grad.zero();
  }

  /** Routes every layer's parallel kernels through `executor`. */
  setExecutor(executor: Executor): void {
    for (const layer of this.layers) layer.setExecutor?.(executor);
  }

  /** x: (N, ...inputShape) → output of layer `upTo` (exclusive; default all). Output buffers belong to the layers. */
  forward(input: Tensor, mode: ForwardMode = INFERENCE, upTo = this.layers.length): Tensor {
    let activation = input;
    for (let i = 0; i < upTo; i++) {
      const layer = this.layers[i];
      this.absorbed[i] = false;
      if (this.fusion && mode.training && i + 1 < upTo && layer.forwardThenRelu !== undefined && this.layers[i + 1].type === 'relu') {
        activation = layer.forwardThenRelu(activation, mode);
        this.absorbed[++i] = true;
      } else {
        activation = layer.forward(activation, mode);
      }
    }
    return activation;
  }

  /** Layers last … 0 backward from dL/d(output of layer last), skipping relus a fused forward absorbed. */
  private backwardThrough(gradient: Tensor, last: number, needDataGrad: boolean): Tensor {
    for (let i = last; i >= 0; i--) {
      if (this.absorbed[i]) continue; // its ReLU ran inside layer i − 1, whose backward takes dL/dz
      gradient = this.layers[i].backward(gradient, needDataGrad || i > 0);
    }
    return gradient;
  }

  /**
   * Backward from any layer's output instead of from the loss: `outputGrad` is dL/dy for y the output
   * of `forward(input, mode, upTo)` (so (N, ...layers[upTo − 1].outputShape)), which must be the last
   * forward call. Runs layers upTo − 1 … 0 backward and returns dL/dx, (N, ...inputShape) — a
   * layer-owned buffer: copy it to keep it. Parameter gradients are ADDED to as in training (call
   * zeroGrad before and after when only dL/dx matters).
   *
   * This is what saliency maps and class-model visualization need: the gradient of a class score
   * (upTo = layers.length − 1, the scores before the softmax) with respect to the image.
   */
  backwardFrom(outputGrad: Tensor, upTo: number): Tensor {
    if (!Number.isInteger(upTo) || upTo < 1 || upTo > this.layers.length) {
      throw new ConfigError(`Net.backwardFrom: upTo must be a layer count in 1..${this.layers.length}, got ${upTo}`);
    }
    return this.backwardThrough(outputGrad, upTo - 1, true);
  }

  /** Class probabilities (softmax net) or scores (svm net), (N, classes). */
  predict(input: Tensor): Tensor {
    return this.forward(input, INFERENCE);
  }

  /**
   * One forward/backward pass of the data loss on a minibatch: x (N, ...inputShape), labels (N).
   * Adds dL/dθ into every parameter's grad (call zeroGrad first) and returns the mean loss and the
   * logits (N, classes) for accuracy bookkeeping (a layer-owned buffer: read it before the next call).
   */
  lossAndGradients(input: Tensor, labels: ArrayLike<number>, mode: ForwardMode = TRAINING): { loss: number; logits: Tensor } {
    const last = this.layers.length - 1;
    const logits = this.forward(input, mode, last);
    const { loss, scoresGrad } = this.loss === 'softmax'
      ? (this.lastSoftmaxLoss = softmaxCrossEntropyLoss(logits, labels, this.lastSoftmaxLoss))
      : (this.lastSvmLoss = svmLoss(logits, labels, this.lastSvmLoss));
    // The first layer's input is the data: its gradient is never used, so it is not computed.
    this.backwardThrough(scoresGrad, last - 1, false);
    return { loss, logits };
  }
}
