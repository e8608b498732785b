/**
 * The class scores of a network before its loss layer, and their gradient with respect to the input —
 * the two quantities every explanation method here is built on.
 *
 *   scores   s = f(x)                  (N, K), the output of layer L − 1 (the layer before softmax / svm)
 *   gradient ∂s[n, c_n] / ∂x[n]        (N, C, H, W), one chosen class per example
 *
 * Why before the softmax (Simonyan et al. 2014, §2): the probability of class c can rise because the
 * other classes' scores fall; the score s_c itself measures only the evidence for c.
 */
import { ConfigError, ShapeError, formatShape } from '../errors.ts';
import type { Net } from '../nn/net.ts';
import { INFERENCE } from '../tensor/forward-mode.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Layers that compute the scores: every layer but the loss layer. */
export function scoreLayerCount(net: Net): number {
  return net.layers.length - 1;
}

/** Checks that `input` is (N, ...net.inputShape); `where` names the caller in the ShapeError. */
export function checkNetInput(net: Net, input: Tensor, where: string): number {
  const expected = net.inputShape;
  const fits = input.shape.length === expected.length + 1 && expected.every((d, i) => input.shape[i + 1] === d);
  if (!fits) {
    throw new ShapeError(`${where}: the network takes images (N, ${expected.join(', ')}) but got ${formatShape(input.shape)}`);
  }
  return input.shape[0];
}

/** Scores before the loss layer: x (N, ...inputShape) → a copy of s (N, K). */
export function classScores(net: Net, input: Tensor): Tensor {
  checkNetInput(net, input, 'classScores');
  return net.forward(input, INFERENCE, scoreLayerCount(net)).clone();
}

/**
 * Class probabilities softmax(s), computed here in double precision from the scores (so an svm net
 * gets probabilities too): x (N, ...inputShape) → (N, K) as a Float64Array, row-major.
 */
export function classProbabilities(net: Net, input: Tensor): Float64Array {
  const scores = classScores(net, input);
  const [count, classes] = scores.shape;
  const out = new Float64Array(count * classes);
  for (let n = 0; n < count; n++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, scores.data[n * classes + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += out[n * classes + k] = Math.exp(scores.data[n * classes + k] - max);
    for (let k = 0; k < classes; k++) out[n * classes + k] /= sum;
  }
  return out;
}

/**
 * ∂ s[n, classes[n]] / ∂ x[n] for every example: x (N, ...inputShape), classes (N) → (N, ...inputShape),
 * a copy. Forward to the scores, seed the backward with the one-hot of the chosen class, and run
 * Net.backwardFrom down to the image. Parameter gradients are left at zero (backward adds into them,
 * so they are cleared before and after).
 */
export function classScoreGradient(net: Net, input: Tensor, classes: ArrayLike<number>): Tensor {
  const count = checkNetInput(net, input, 'classScoreGradient');
  if (classes.length !== count) throw new ShapeError(`classScoreGradient: ${count} images but ${classes.length} classes`);
  const upTo = scoreLayerCount(net);
  const scores = net.forward(input, INFERENCE, upTo);
  const classCount = scores.shape[1];
  const seed = Tensor.zeros(scores.shape);
  for (let n = 0; n < count; n++) {
    const c = classes[n];
    if (!Number.isInteger(c) || c < 0 || c >= classCount) {
      throw new ConfigError(`classScoreGradient: class ${c} does not exist; the network scores classes 0..${classCount - 1}`);
    }
    seed.data[n * classCount + c] = 1;
  }
  net.zeroGrad();
  const gradient = net.backwardFrom(seed, upTo).clone();
  net.zeroGrad();
  return gradient;
}
