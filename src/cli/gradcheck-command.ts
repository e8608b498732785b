/**
 * `gradcheck`: checks every layer type's analytic gradients against centred differences and prints
 * the table (layer, tensor, max error, verdict). It runs the very harness and tolerance policy the
 * specs use (src/nn/gradcheck.ts), on small random shapes with batch 3.
 *
 * Inputs are drawn away from non-differentiable points by construction: for ReLU-like layers every
 * |x| ≥ 0.05; for max pooling and maxout all values are distinct and at least 0.05 apart, so no
 * perturbation of ±STEP (0.01) can change which input is the maximum.
 */
import { STEP, TOLERANCE, checkLayerGradients } from '../nn/gradcheck.ts';
import type { Layer } from '../layers/layer.ts';
import { buildLayer } from '../nn/build-net.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import { parseCompactDefinition } from '../nn/definition.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { SEED_RULE, numberOption, parseOptions } from './args.ts';
import { toJsonLine } from './run-directory.ts';

const DESCRIPTION = 'Check every layer type\'s gradients numerically (input and parameters) and print the table.';

const OPTIONS = {
  seed: { type: 'string', value: '<n>', default: '1', help: 'seed of the random shapes and values', number: SEED_RULE },
  json: { type: 'boolean', help: 'one JSON line per checked tensor' },
} as const;

/** Layer cases: a compact token, its per-example input shape, and how inputs must be drawn. */
const CASES: Array<{ token: string; input: number[]; draw: 'gaussian' | 'awayFromZero' | 'spaced' }> = [
  { token: 'conv3x3x4s2p1', input: [3, 7, 5], draw: 'gaussian' },
  { token: 'conv2x3x3s1p2d2', input: [2, 6, 7], draw: 'gaussian' },
  { token: 'pool2', input: [2, 6, 6], draw: 'spaced' },
  { token: 'pool3s2', input: [2, 7, 7], draw: 'spaced' },
  { token: 'avgpool2', input: [2, 6, 4], draw: 'gaussian' },
  { token: 'fc5', input: [2, 3, 3], draw: 'gaussian' },
  { token: 'relu', input: [3, 4, 4], draw: 'awayFromZero' },
  { token: 'lrelu0.1', input: [12], draw: 'awayFromZero' },
  { token: 'elu', input: [12], draw: 'awayFromZero' },
  { token: 'sigmoid', input: [12], draw: 'gaussian' },
  { token: 'tanh', input: [12], draw: 'gaussian' },
  { token: 'maxout2', input: [4, 3, 3], draw: 'spaced' },
  { token: 'softmax', input: [6], draw: 'gaussian' },
  { token: 'bn', input: [3, 4, 4], draw: 'gaussian' },
  { token: 'bn', input: [8], draw: 'gaussian' },
  { token: 'dropout0.3', input: [12], draw: 'gaussian' },
];

function drawInput(shape: number[], draw: string, rng: Rng): Tensor {
  const t = Tensor.zeros(shape);
  if (draw === 'spaced') {
    const order = rng.permutation(t.size);
    for (let i = 0; i < t.size; i++) t.data[i] = (order[i] - t.size / 2) * 0.05;
  } else {
    for (let i = 0; i < t.size; i++) {
      let v = rng.gaussian(0, 1);
      if (draw === 'awayFromZero') v = Math.sign(v || 1) * (0.05 + Math.abs(v));
      t.data[i] = v;
    }
  }
  return t;
}

export interface GradcheckRow {
  layer: string;
  type: string;
  inputShape: string;
  tensor: string;
  maxError: number;
  ok: boolean;
}

/** Runs every case; returns one row per checked tensor. */
export function gradcheckAllLayers(seed: number): GradcheckRow[] {
  const rows: GradcheckRow[] = [];
  for (const testCase of CASES) {
    const rng = new Rng(seed);
    const definition = parseCompactDefinition(testCase.token, testCase.input)[1] as LayerDefinition;
    const layerRng = new Rng(seed + 1);
    const layer: Layer = buildLayer(definition, testCase.input, testCase.token, layerRng);
    const batch = 3;
    const input = drawInput([batch, ...testCase.input], testCase.draw, rng);
    // Dropout draws a mask per forward: restore its Rng before each one so the mask stays fixed.
    const savedRngState = layerRng.getState();
    const results = checkLayerGradients(testCase.token, layer, input, rng, {
      beforeForward: () => layerRng.setState(savedRngState), print: false, assert: false,
    });
    for (const r of results) {
      rows.push({ layer: testCase.token, type: layer.type, inputShape: `(${[batch, ...testCase.input].join(', ')})`, tensor: r.name, maxError: r.maxError, ok: r.maxError <= TOLERANCE });
    }
  }
  return rows;
}

export async function gradcheckCommand(argv: string[]): Promise<number> {
  const options = parseOptions('gradcheck', DESCRIPTION, OPTIONS, argv);
  if (!options) return 0;
  const rows = gradcheckAllLayers(numberOption('seed', options.seed ?? '1', SEED_RULE));
  if (options.json) {
    for (const row of rows) console.log(toJsonLine(row));
  } else {
    console.log(`centred differences, step ${STEP}; error = |a − n| / max(1, |a|, |n|); tolerance ${TOLERANCE}\n`);
    console.log(`${'layer'.padEnd(18)}${'type'.padEnd(11)}${'input'.padEnd(16)}${'tensor'.padEnd(10)}${'max error'.padStart(10)}  verdict`);
    for (const r of rows) {
      console.log(`${r.layer.padEnd(18)}${r.type.padEnd(11)}${r.inputShape.padEnd(16)}${r.tensor.padEnd(10)}${r.maxError.toExponential(2).padStart(10)}  ${r.ok ? 'ok' : 'FAIL'}`);
    }
  }
  return rows.every((r) => r.ok) ? 0 : 1;
}
