/**
 * The linear classifier of the lecture: class scores are a linear function of the input,
 *
 *   s = W·x + b          x: (N, D) (an image (N, C, H, W) is read as D = C·H·W values)
 *                        W: (K, D), one row — one "template" — per class;  b: (K);  s: (N, K)
 *
 * scored by the multiclass SVM (hinge) loss or the softmax cross-entropy (src/losses/), plus a weight
 * penalty λ·R(W) — L2 (ΣW²), L1 (Σ|W|) or elastic net (Σ βW² + |W|), src/regularizers/ — on W only:
 *
 *   L = (1/N) Σ_n L_n(s_n, y_n) + λ·R(W)
 *
 * and trained by minibatch SGD, W ← W − η·dL/dW, with η decayed by γ after every epoch.
 *
 * It is not a separate code path: the model is a Net of one fully connected layer and the loss layer,
 * so the smallest model runs through the same layers, losses, regularizers and update rules as every
 * network. This module says which pieces make the linear classifier; `step` is one minibatch SGD
 * update, and `src/train/` (the Trainer) runs epochs of them for `npx tsx src/cli.ts linear`.
 * spec/graph/gates-match-net.spec.ts rebuilds it from graph gates and checks both agree.
 */
import { ConfigError } from '../errors.ts';
import { Optimizer } from '../optim/optimizer.ts';
import type { Penalty } from '../regularizers/penalties.ts';
import { l2 } from '../regularizers/penalties.ts';
import { regularize } from '../regularizers/regularize.ts';
import { argmax } from '../tensor/argmax.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Shape, Tensor } from '../tensor/tensor.ts';
import { shapeSize } from '../tensor/tensor.ts';
import { buildNet } from './build-net.ts';
import type { LayerDefinition } from './definition.ts';
import type { LossKind, Net } from './net.ts';

export interface LinearClassifierOptions {
  /** Per-example input shape: [D], or [C, H, W] for images (flattened in NCHW order). */
  inputShape: Shape;
  /** K, the number of classes. */
  classes: number;
  /** 'svm' (multiclass hinge, margin 1) or 'softmax' (cross-entropy). */
  loss: LossKind;
  /** R(W): l2 (default), l1 or elasticNet(β) of src/regularizers/penalties.ts. */
  penalty?: Penalty;
  /** λ ≥ 0, default 0 (no penalty). */
  strength?: number;
  /** Standard deviation of the initial weights, W ~ N(0, std²); default 1e-3 ("small random numbers"). */
  initStd?: number;
  /** Draws the initial weights. */
  rng: Rng;
}

/** What one training step measured. */
export interface LinearStep {
  /** Data loss + λ·R(W). */
  loss: number;
  dataLoss: number;
  regularizationLoss: number;
}

export class LinearClassifier {
  /** The model as a network: one fully connected layer named 'scores', then the loss layer. */
  readonly net: Net;
  /** The definition the net was built from (what model files save). */
  readonly definition: LayerDefinition[];
  readonly penalty: Penalty;
  readonly strength: number;

  constructor(options: LinearClassifierOptions) {
    const strength = options.strength ?? 0;
    if (!(strength >= 0) || !Number.isFinite(strength)) {
      throw new ConfigError(`linear classifier: the penalty strength λ must be a finite number ≥ 0, got ${strength}`);
    }
    if (!Number.isInteger(options.classes) || options.classes < 2) {
      throw new ConfigError(`linear classifier: expected at least 2 classes, got ${options.classes}`);
    }
    this.definition = [
      { type: 'input', shape: [...options.inputShape] },
      { type: 'fc', units: options.classes, init: { type: 'gaussian', std: options.initStd ?? 1e-3 }, name: 'scores' },
      { type: options.loss },
    ];
    this.net = buildNet(this.definition, options.rng);
    this.penalty = options.penalty ?? l2;
    this.strength = strength;
  }

  /** W: (K, D), row k is class k's template. */
  get weights(): Tensor {
    return this.parameter('weights').value;
  }

  /** b: (K). */
  get bias(): Tensor {
    return this.parameter('bias').value;
  }

  /** D, the number of input values per example. */
  get inputSize(): number {
    return shapeSize(this.net.inputShape);
  }

  /** [W, b]: what the update rule changes. */
  parameters(): Parameter[] {
    return this.net.parameters();
  }

  /** s = W·x + b: x (N, ...inputShape) → scores (N, K), a buffer the layer reuses on the next call. */
  scores(input: Tensor): Tensor {
    return this.net.forward(input, undefined, 1);
  }

  /** The predicted class of each example, argmax_k s[n, k] (ties: the lowest k). x (N, ...) → (N). */
  predict(input: Tensor): Int32Array {
    const scores = this.scores(input);
    const [count, classes] = scores.shape;
    const predictions = new Int32Array(count);
    for (let n = 0; n < count; n++) predictions[n] = argmax(scores.data, n * classes, classes);
    return predictions;
  }

  /**
   * Adds λ·dR/dW into W's gradient and returns λ·R(W) (the bias has decayMultiplier 0 and is skipped).
   * The Trainer's `regularize` hook.
   */
  readonly regularize = (parameters: readonly Parameter[] = this.parameters()): number =>
    regularize(parameters, this.penalty, this.strength);

  /**
   * The full loss and its gradients on a minibatch x (N, ...inputShape), labels (N): zeroes the
   * gradients, then forward, loss, backward and the penalty. dL/dW and dL/db are left in the
   * parameters' `grad`.
   */
  lossAndGradients(input: Tensor, labels: ArrayLike<number>): LinearStep {
    this.net.zeroGrad();
    const { loss: dataLoss } = this.net.lossAndGradients(input, labels);
    const regularizationLoss = this.regularize();
    return { loss: dataLoss + regularizationLoss, dataLoss, regularizationLoss };
  }

  /**
   * Minibatch SGD as the lecture writes it: η starts at `learningRate` and is multiplied by
   * `decayPerEpoch` (γ, default 1) after every epoch — the optimizer the `linear` command uses.
   */
  static sgd(learningRate: number, decayPerEpoch = 1): Optimizer {
    return new Optimizer({ type: 'sgd', learningRate, schedule: { type: 'exponential', gamma: decayPerEpoch, unit: 'epoch' } });
  }

  /**
   * One minibatch SGD step: the loss and gradients on (x, labels), then W ← W − η·dL/dW and likewise
   * for b, through `optimizer` (e.g. LinearClassifier.sgd(η)). Returns what the step measured, taken
   * before the update.
   */
  step(input: Tensor, labels: ArrayLike<number>, optimizer: Optimizer): LinearStep {
    const measured = this.lossAndGradients(input, labels);
    optimizer.step(this.parameters());
    return measured;
  }

  private parameter(name: string): Parameter {
    const found = this.net.layers[0].parameters().find((p) => p.name === name);
    if (!found) throw new ConfigError(`linear classifier: the scores layer has no '${name}' parameter`);
    return found;
  }
}
