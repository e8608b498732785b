/**
 * The computations the vector files exercise, by op name, through the public API only (src/index.ts).
 *
 * The generator (families.ts) and the runner (runner.ts) call the SAME function for a case: the
 * generator to write `expected`, the runner to recompute it from the file's inputs and compare. So a
 * case checks the library against bits it produced before — what a port must reproduce — and the
 * porting guide (spec/vectors/README.md) spells out what each op computes.
 *
 * Values: a float32 tensor is an F32 {data, shape, layout}; everything else is plain JSON.
 * `RunOptions` lets the runner swap the convolution or fc implementation (spec (b)).
 */
import {
  FullyConnected, INFERENCE, Optimizer, Rng, TRAINING, Tensor, add, addBias, augmentBatch, backward, buildLayer,
  buildNet, checkLayerGradients, col2im, elasticNet, exp, gemm, im2col, l1, l2, loadWeightsInto, makeInitializer, matmul,
  maximum, meanSquaredErrorLoss, multiply, parseSchedule, regularize, relu, scheduledRate, sigmoid,
  softmaxCrossEntropyLoss, sum, sumOfSquaresLoss, svmLoss, validateModelFile, variable,
} from '../index.ts';
import type { GraphNode } from '../index.ts';
import type { ConvImplementation, Executor, FullyConnectedImplementation, InitializerConfig, LayerDefinition, Layer, Penalty } from '../index.ts';
import type { Layout } from './format.ts';

/** A float32 tensor with its shape and layout. */
export interface F32 {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly layout: Layout;
}

export type OpValue = F32 | number | number[] | string | boolean | null | Record<string, unknown> | unknown[];
export type OpValues = Record<string, OpValue>;

export interface RunOptions {
  /** Run conv layers with this implementation instead of the one the case names. */
  readonly conv?: ConvImplementation;
  /** Run fc layers with this implementation. */
  readonly fc?: FullyConnectedImplementation;
  /** Run layers on this executor (e.g. a worker pool: the bits must not change). Default serial. */
  readonly executor?: Executor;
}

export type Operation = (params: Record<string, any>, inputs: Record<string, any>, options: RunOptions) => OpValues;

export function f32(data: Float32Array, shape: readonly number[], layout: Layout): F32 {
  return { data, shape: [...shape], layout };
}

export function isF32(value: unknown): value is F32 {
  return typeof value === 'object' && value !== null && (value as F32).data instanceof Float32Array;
}

/** A fresh tensor holding a copy of an F32 input. */
function tensorOf(value: F32): Tensor {
  return Tensor.from(value.data, value.shape);
}

function copyOf(tensor: Tensor, layout: Layout): F32 {
  return f32(Float32Array.from(tensor.data), tensor.shape, layout);
}

/** Layout name of a batch tensor of per-example shape `shape`. */
function batchLayout(rank: number): Layout {
  return rank === 4 ? 'NCHW' : rank === 2 ? 'ND' : 'row-major';
}

function parameterLayout(name: string, rank: number): Layout {
  if (name === 'weights') return rank === 4 ? 'KCHW' : 'KD';
  return rank === 1 ? (name === 'bias' ? 'K' : 'C') : 'row-major';
}

/**
 * One layer forward and backward: build it from its definition for per-example `inputShape` (Rng
 * `seed`: only dropout draws from it — parameters and buffers come from the file), load
 * `param.<name>` and `buffer.<name>`, y = forward(x, mode), then (when dy is given) dx = backward(dy)
 * with parameter gradients starting at 0. Expected: y, dx, grad.<name>, and buffer.<name> after the
 * forward (batch norm's running statistics).
 */
const layerOp: Operation = (params, inputs, options) => {
  let definition = params.definition as LayerDefinition;
  if (definition.type === 'conv' && options.conv) definition = { ...definition, implementation: options.conv };
  const rng = new Rng(params.seed ?? 1);
  const inputShape = params.inputShape as number[];
  const layer: Layer = definition.type === 'fc' && options.fc
    ? new FullyConnected({ inputShape, outputs: definition.units, rng, implementation: options.fc, name: 'layer' })
    : buildLayer(definition, inputShape, 'layer', rng);
  if (options.executor) layer.setExecutor?.(options.executor);
  for (const parameter of layer.parameters()) {
    const given = inputs[`param.${parameter.name}`] as F32 | undefined;
    if (given) parameter.value.data.set(given.data);
  }
  for (const buffer of layer.buffers?.() ?? []) {
    const given = inputs[`buffer.${buffer.name}`] as F32 | undefined;
    if (given) buffer.value.data.set(given.data);
  }
  const x = tensorOf(inputs.x as F32);
  const mode = params.mode === 'inference' ? INFERENCE : TRAINING;
  const y = layer.forward(x, mode);
  const out: OpValues = { y: copyOf(y, batchLayout(y.rank)) };
  for (const buffer of layer.buffers?.() ?? []) out[`buffer.${buffer.name}`] = copyOf(buffer.value, 'C');
  if (inputs.dy) {
    for (const parameter of layer.parameters()) parameter.grad.zero();
    const dx = layer.backward(tensorOf(inputs.dy as F32), true);
    out.dx = copyOf(dx, batchLayout(dx.rank));
    for (const parameter of layer.parameters()) {
      out[`grad.${parameter.name}`] = copyOf(parameter.grad, parameterLayout(parameter.name, parameter.grad.rank));
    }
  }
  return out;
};

/** C (M×N) = op(A)·op(B) (+ C when accumulate), through `gemm` with packed leading dimensions. */
const gemmOp: Operation = (params, inputs) => {
  const { transA, transB, m, n, k, accumulate } = params as { transA: boolean; transB: boolean; m: number; n: number; k: number; accumulate: boolean };
  const a = inputs.a as F32;
  const b = inputs.b as F32;
  const c = inputs.c ? Float32Array.from((inputs.c as F32).data) : new Float32Array(m * n);
  gemm(transA, transB, m, n, k, a.data, 0, a.shape[1], b.data, 0, b.shape[1], c, 0, n, accumulate);
  return { c: f32(c, [m, n], 'MxN') };
};

/** Geometry record for im2col/col2im from the case's params (one image). */
function geometryOf(p: Record<string, number>) {
  const outputHeight = (p.inputHeight + 2 * p.padH - p.dilationH * (p.filterHeight - 1) - 1) / p.strideH + 1;
  const outputWidth = (p.inputWidth + 2 * p.padW - p.dilationW * (p.filterWidth - 1) - 1) / p.strideW + 1;
  return { batchSize: 1, filters: 1, ...p, outputHeight, outputWidth } as Parameters<typeof im2col>[0];
}

/** columns (C·FH·FW × H′·W′) of one image x (C, H, W); and col2im of `columns` back onto (C, H, W). */
const im2colOp: Operation = (params, inputs) => {
  const g = geometryOf(params);
  const rows = g.inputChannels * g.filterHeight * g.filterWidth;
  const columns = new Float32Array(rows * g.outputHeight * g.outputWidth);
  im2col(g, (inputs.x as F32).data, 0, columns, 0);
  const folded = new Float32Array(g.inputChannels * g.inputHeight * g.inputWidth);
  col2im(g, (inputs.columns as F32).data, 0, folded, 0);
  return {
    columns: f32(columns, [rows, g.outputHeight * g.outputWidth], 'row-major'),
    folded: f32(folded, [g.inputChannels, g.inputHeight, g.inputWidth], 'row-major'),
  };
};

/** Draws from Rng(seed): 'uint32' | 'uniform' | 'int' (n) | 'gaussian' | 'permutation' (n); plus the state after. */
const rngOp: Operation = (params) => {
  const rng = new Rng(params.seed);
  const count = params.count as number;
  let draws: number[];
  switch (params.draw) {
    case 'uint32': draws = Array.from({ length: count }, () => rng.nextUint32()); break;
    case 'uniform': draws = Array.from({ length: count }, () => rng.uniform()); break;
    case 'int': draws = Array.from({ length: count }, () => rng.int(params.n)); break;
    case 'gaussian': draws = Array.from({ length: count }, () => rng.gaussian(params.mean ?? 0, params.std ?? 1)); break;
    case 'permutation': draws = Array.from(rng.permutation(params.n)); break;
    default: throw new Error(`rng op: unknown draw ${params.draw}`);
  }
  return { draws, stateAfter: rng.getState().words };
};

/** Loss of scores (N, C) against labels (N) or targets (same shape): the mean loss (float64) and dL/dscores. */
const lossOp: Operation = (params, inputs) => {
  const scores = tensorOf(inputs.scores as F32);
  let result: { loss: number; scoresGrad: Tensor };
  switch (params.loss) {
    case 'svm': result = svmLoss(scores, inputs.labels as number[]); break;
    case 'softmax': result = softmaxCrossEntropyLoss(scores, inputs.labels as number[]); break;
    case 'sum-of-squares': result = sumOfSquaresLoss(scores, tensorOf(inputs.targets as F32), { reduction: params.reduction }); break;
    case 'mse': result = meanSquaredErrorLoss(scores, tensorOf(inputs.targets as F32)); break;
    default: throw new Error(`loss op: unknown loss ${params.loss}`);
  }
  return { loss: result.loss, grad: copyOf(result.scoresGrad, 'NC') };
};

function penaltyOf(params: Record<string, any>): Penalty {
  return params.penalty === 'l1' ? l1 : params.penalty === 'l2' ? l2 : elasticNet(params.beta);
}

/** R(W) (float64) and grad = g0 + λ·dR/dW. */
const penaltyOp: Operation = (params, inputs) => {
  const penalty = penaltyOf(params);
  const w = inputs.w as F32;
  const grad = Float32Array.from((inputs.grad as F32).data);
  penalty.addGradient(w.data, grad, params.strength);
  return { value: penalty.value(w.data), grad: f32(grad, w.shape, w.layout) };
};

/** `steps` updates of one parameter with the gradients grads[t] (steps × size); w after each step. */
const optimizerOp: Operation = (params, inputs) => {
  const optimizer = new Optimizer(params.config);
  const w = tensorOf(inputs.w as F32);
  const parameter = { name: 'w', value: w, grad: Tensor.zeros(w.shape), learningRateMultiplier: 1, decayMultiplier: 1 };
  const grads = inputs.grads as F32;
  const trajectory = new Float32Array(params.steps * w.size);
  const rates: number[] = [];
  for (let t = 0; t < params.steps; t++) {
    rates.push(optimizer.currentLearningRate());
    parameter.grad.data.set(grads.data.subarray(t * w.size, (t + 1) * w.size));
    optimizer.step([parameter]);
    trajectory.set(w.data, t * w.size);
  }
  return { weights: f32(trajectory, [params.steps, w.size], 'row-major'), rates };
};

/** The learning rate for t = 0..steps−1 (float64), warm-up included. */
const scheduleOp: Operation = (params) => {
  const schedule = parseSchedule(params.schedule);
  return { rates: Array.from({ length: params.steps }, (_, t) => scheduledRate(schedule, params.baseRate, t)) };
};

/** The first draws of an initializer: weights of `shape` filled by makeInitializer(config, Rng(seed)). */
const initializerOp: Operation = (params) => {
  const weights = Tensor.zeros(params.shape);
  makeInitializer(params.config as InitializerConfig, new Rng(params.seed))(weights, params.fanIn, params.fanOut);
  return { weights: copyOf(weights, params.shape.length === 4 ? 'KCHW' : 'KD') };
};

/** augmentBatch (flip, shift) of x (N, C, H, W) with Rng(seed). */
const augmentOp: Operation = (params, inputs) => {
  const x = tensorOf(inputs.x as F32);
  const y = Tensor.zeros(x.shape);
  augmentBatch(x, y, { flip: params.flip, maxShift: params.maxShift }, new Rng(params.seed));
  return { y: copyOf(y, 'NCHW') };
};

/** A model.json (the file's `model` param) loaded and run on x in inference: `logits` or `probabilities`. */
const modelJsonOp: Operation = (params, inputs, options) => {
  const file = validateModelFile(params.model, 'model.json vector');
  const net = buildNet(file.definition, new Rng(1));
  loadWeightsInto(net, file, 'model.json vector');
  if (options.executor) net.setExecutor(options.executor);
  const x = tensorOf(inputs.x as F32);
  // 'logits': the scores the loss layer receives (every layer but the last); else the net's output.
  const output = params.output === 'logits' ? net.forward(x, INFERENCE, net.layers.length - 1) : net.predict(x);
  return { [params.output === 'logits' ? 'logits' : 'probabilities']: copyOf(output, 'NC') };
};

/**
 * A gate graph given as a node list: {op: 'variable', value: F32 input name} or {op, inputs: [node
 * indices]} with op one of add, multiply, maximum, relu, exp, sigmoid, sum, matmul, addBias. backward()
 * from the last node (seed 1 for a scalar, else ones). Expected: every node's value and grad, by index.
 */
const graphOp: Operation = (params, inputs) => {
  const gates: Record<string, (...nodes: GraphNode[]) => GraphNode> = { add, multiply, maximum, relu, exp, sigmoid, sum, matmul, addBias };
  const nodes: GraphNode[] = [];
  for (const spec of params.nodes as Array<{ op: string; value?: string; inputs?: number[] }>) {
    if (spec.op === 'variable') {
      nodes.push(variable(tensorOf(inputs[spec.value as string] as F32)));
    } else {
      const gate = gates[spec.op];
      if (!gate) throw new Error(`graph op: unknown gate ${spec.op}`);
      nodes.push(gate(...(spec.inputs as number[]).map((i) => nodes[i])));
    }
  }
  const root = nodes[nodes.length - 1];
  backward(root, root.value.rank === 0 ? undefined : Tensor.filled(root.value.shape, 1));
  const out: OpValues = {};
  nodes.forEach((node, i) => {
    out[`value.${i}`] = copyOf(node.value, 'row-major');
    out[`grad.${i}`] = copyOf(node.grad, 'row-major');
  });
  return out;
};

/**
 * The gradient-check harness (src/nn/gradcheck.ts) on one layer: projection r ~ N(0, 1) from
 * Rng(seed), analytic gradient by backward(r), numeric by central differences with step 1e-2.
 * Expected per checked tensor: maxError, worstIndex, analytic, numeric.
 */
const gradcheckOp: Operation = (params, inputs) => {
  const layer = buildLayer(params.definition, params.inputShape, 'layer', new Rng(params.seed));
  for (const parameter of layer.parameters()) {
    const given = inputs[`param.${parameter.name}`] as F32 | undefined;
    if (given) parameter.value.data.set(given.data);
  }
  const results = checkLayerGradients('vectors', layer, tensorOf(inputs.x as F32), new Rng(params.seed), { print: false, assert: false });
  const out: OpValues = {};
  for (const r of results) {
    out[`${r.name}.maxError`] = r.maxError;
    out[`${r.name}.worstIndex`] = r.worstIndex;
    out[`${r.name}.analytic`] = r.analytic;
    out[`${r.name}.numeric`] = r.numeric;
  }
  return out;
};

/**
 * Training steps of a net given by its definition, from the parameters in the file: for each step s,
 * zero the gradients, loss = net.lossAndGradients(x_s, labels_s) (softmax or svm, mean over the batch),
 * loss += regularize(parameters, l2, λ) (biases have decay multiplier 0), then one optimizer step.
 * Expected: the losses (float64) and every parameter after the last step.
 */
const trainOp: Operation = (params, inputs, options) => {
  let definition = params.definition as LayerDefinition[];
  if (options.conv) definition = definition.map((d) => (d.type === 'conv' ? { ...d, implementation: options.conv } : d)) as LayerDefinition[];
  const net = buildNet(definition, new Rng(1));
  if (options.executor) net.setExecutor(options.executor);
  const parameters = net.parameters();
  net.layers.forEach((layer) => {
    for (const parameter of layer.parameters()) parameter.value.data.set((inputs[`param.${layer.name}.${parameter.name}`] as F32).data);
  });
  const optimizer = new Optimizer(params.optimizer);
  const x = inputs.x as F32;
  const labels = inputs.labels as number[];
  const batch = params.batch as number;
  const exampleSize = x.data.length / x.shape[0];
  const losses: number[] = [];
  for (let s = 0; s < params.steps; s++) {
    net.zeroGrad();
    const xs = Tensor.from(x.data.subarray(s * batch * exampleSize, (s + 1) * batch * exampleSize), [batch, ...x.shape.slice(1)]);
    const { loss } = net.lossAndGradients(xs, labels.slice(s * batch, (s + 1) * batch));
    losses.push(loss + regularize(parameters, l2, params.l2));
    optimizer.step(parameters);
  }
  const out: OpValues = { losses };
  net.layers.forEach((layer) => {
    for (const parameter of layer.parameters()) {
      out[`param.${layer.name}.${parameter.name}`] = copyOf(parameter.value, parameterLayout(parameter.name, parameter.value.rank));
    }
  });
  return out;
};

export const OPERATIONS: Record<string, Operation> = {
  layer: layerOp,
  gemm: gemmOp,
  im2col: im2colOp,
  rng: rngOp,
  loss: lossOp,
  penalty: penaltyOp,
  optimizer: optimizerOp,
  schedule: scheduleOp,
  initializer: initializerOp,
  augment: augmentOp,
  'model-json': modelJsonOp,
  graph: graphOp,
  gradcheck: gradcheckOp,
  train: trainOp,
};
