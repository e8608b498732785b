/**
 * The gradient-check harness and THE tolerance policy of this project (written here once; every
 * gradient spec and the `gradcheck` command import it).
 *
 * Method. For a module y = f(x; θ) we check every input and parameter gradient against centred
 * differences of the scalar L = Σ r ⊙ y, where r is a fixed random Gaussian projection of the output
 * (same shape as y). Why a projection: dL/dy = r is O(1) everywhere, so every analytic gradient is
 * exercised with an O(1) upstream gradient (a plain sum would hide sign errors that cancel, and
 * would make ReLU-like gradients all ones).
 *
 *   analytic: zero all gradients, y = forward(), backward(r), read the accumulated gradients.
 *   numeric:  g_i ≈ (L(x_i + h) − L(x_i − h)) / 2h, with L summed in float64.
 *
 * Error measure, per element:  err_i = |a_i − n_i| / max(1, |a_i|, |n_i|)
 * — relative for large gradients, absolute for gradients below 1 (a pure relative error explodes
 * on gradients that are ~0 up to float32 noise).
 *
 * Tolerance for float32 (why these numbers): forward runs in float32, so each output carries a
 * rounding error of about ε·|y| with ε = 6e-8. Summed over a few hundred outputs with O(1) weights,
 * L carries an error around 1e-6, and dividing by 2h turns that into ~5e-5 in the numeric gradient
 * when h = 1e-2. The truncation error of centred differences is h²/6·|f'''| ≈ 2e-5 for smooth
 * activations. Hence STEP = 1e-2 and TOLERANCE = 1e-3: twenty times the expected noise, while any
 * real bug — a gradient that is missing, misplaced by one pixel at a border, or doubled — makes an
 * error of order 1 (an off-by-one moves a whole O(1) contribution to another element).
 * Non-differentiable points (ReLU at 0, max-pool ties) must be kept at least STEP away from every
 * input a spec draws; specs do that by construction, never by loosening the tolerance.
 */
import type { Layer } from '../layers/layer.ts';
import type { ForwardMode } from '../tensor/forward-mode.ts';
import { TRAINING } from '../tensor/forward-mode.ts';
import type { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';

export const STEP = 1e-2;
export const TOLERANCE = 1e-3;

export interface Checked {
  /** Label in reports, e.g. 'input' or 'weights'. */
  readonly name: string;
  /** The tensor that is perturbed in place (input or parameter value). */
  readonly value: Tensor;
  /** Where the analytic gradient lands after backward (read after the call). */
  readonly grad: () => Tensor;
}

export interface GradcheckCase {
  /** Recomputes the module's output from the current values of the checked tensors. */
  forward: () => Tensor;
  /** Back-propagates dL/dy; must accumulate into (or write) the gradients `grad()` returns. */
  backward: (outputGrad: Tensor) => void;
  /** Tensors to check. Their grad tensors are zeroed by the harness before the analytic pass. */
  wrt: Checked[];
  rng: Rng;
  step?: number;
}

export interface GradcheckResult {
  name: string;
  maxError: number;
  /** Flat index of the worst element. */
  worstIndex: number;
  analytic: number;
  numeric: number;
}

/** Σ r·y in float64. */
function project(output: Tensor, projection: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < output.size; i++) sum += projection[i] * output.data[i];
  return sum;
}

/** Runs the check and returns, for each checked tensor, its largest error and where it occurred. */
export function gradcheck(testCase: GradcheckCase): GradcheckResult[] {
  const step = testCase.step ?? STEP;
  const first = testCase.forward();
  const projection = new Float64Array(first.size);
  for (let i = 0; i < projection.length; i++) projection[i] = testCase.rng.gaussian(0, 1);
  const projectionTensor = Tensor.from(projection, first.shape);

  for (const checked of testCase.wrt) checked.grad().zero();
  testCase.forward();
  testCase.backward(projectionTensor);
  const analytic = testCase.wrt.map((checked) => Float64Array.from(checked.grad().data));

  return testCase.wrt.map((checked, w) => {
    const result: GradcheckResult = { name: checked.name, maxError: 0, worstIndex: -1, analytic: 0, numeric: 0 };
    const data = checked.value.data;
    for (let i = 0; i < data.length; i++) {
      const original = data[i];
      data[i] = original + step;
      const plus = project(testCase.forward(), projection);
      data[i] = original - step;
      const minus = project(testCase.forward(), projection);
      data[i] = original;
      // The actual perturbation is what float32 stored, not exactly ±step.
      const numeric = (plus - minus) / (Math.fround(original + step) - Math.fround(original - step));
      const a = analytic[w][i];
      const error = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
      if (error > result.maxError || result.worstIndex < 0) {
        Object.assign(result, { maxError: error, worstIndex: i, analytic: a, numeric });
      }
    }
    return result;
  });
}

/** Formats results as table rows: "module | tensor | max error". */
export function formatResults(moduleName: string, results: GradcheckResult[]): string {
  return results
    .map((r) => `${moduleName.padEnd(28)} ${r.name.padEnd(16)} ${r.maxError.toExponential(2)}`)
    .join('\n');
}

/** Asserts every result is within TOLERANCE, with a message naming module, tensor and element. */
export function assertGradientsMatch(moduleName: string, results: GradcheckResult[]): void {
  for (const r of results) {
    if (!(r.maxError <= TOLERANCE)) {
      throw new Error(
        `${moduleName}: gradient of ${r.name} differs at element ${r.worstIndex}: ` +
          `analytic ${r.analytic}, numeric ${r.numeric} (error ${r.maxError.toExponential(2)} > ${TOLERANCE})`,
      );
    }
  }
}

/**
 * Checks a layer's input gradient and every parameter gradient on `input` (N, ...inputShape) in
 * `mode` (default training), prints the table rows and asserts they are within TOLERANCE.
 * `beforeForward` runs before every forward pass (e.g. restoring a dropout layer's Rng state so the
 * mask stays fixed). Returns the results.
 */
export function checkLayerGradients(
  moduleName: string, layer: Layer, input: Tensor, rng: Rng,
  options: { mode?: ForwardMode; beforeForward?: () => void; print?: boolean; assert?: boolean } = {},
): GradcheckResult[] {
  let inputGrad = Tensor.zeros(input.shape);
  const results = gradcheck({
    forward: () => {
      options.beforeForward?.();
      return layer.forward(input, options.mode ?? TRAINING);
    },
    backward: (outputGrad) => {
      inputGrad = inputGrad.copyFrom(layer.backward(outputGrad));
    },
    wrt: [
      { name: 'input', value: input, grad: () => inputGrad },
      ...layer.parameters().map((p) => ({ name: p.name, value: p.value, grad: () => p.grad })),
    ],
    rng,
  });
  if (options.print ?? true) console.log(formatResults(moduleName, results));
  if (options.assert ?? true) assertGradientsMatch(moduleName, results);
  return results;
}
