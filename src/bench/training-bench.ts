/**
 * Whole training steps of the ConvNetJS CIFAR-10 demo net (the library's default net for 32×32
 * colour images, CONVNETJS_CIFAR10_NET), batch 32: zero the gradients → forward → softmax
 * cross-entropy → backward → SGD with momentum 0.9, on random inputs in [-0.5, 0.5) and random labels.
 *
 *   train-step  ours on 1 thread and 2 workers, and PyTorch (torch-comparison.ts) on 1 and 2 threads,
 *               the four interleaved round by round; medians; the ratio ours / PyTorch
 *   layers      the same step taken apart: forward and backward milliseconds of every layer, the loss,
 *               and the update, on 1 thread and 2 workers — the time outside the convolutions
 *   batchnorm   the demo net with batch norm after each conv (as `npm run train:cifar10`) against
 *               without, on 1 thread and 2 workers, interleaved; the ratio (target ≤ 1.10)
 *   tiers       (only with --only tiers) the step on each kernel tier, interleaved: the tiers' ratios
 *
 * Only public pieces are used (parseDefinition, buildNet, Net, Optimizer, setKernelTier), so the
 * kernels underneath may change freely.
 */
import { CONVNETJS_CIFAR10_NET } from '../cli/train-setup.ts';
import { KERNEL_TIERS, kernelTier, setKernelTier } from '../kernels/engines/kernel-tier.ts';
import type { KernelTier } from '../kernels/engines/kernel-tier.ts';
import type { Layer } from '../layers/layer.ts';
import { buildNet } from '../nn/build-net.ts';
import { parseDefinition } from '../nn/definition.ts';
import type { LayerDefinition } from '../nn/definition.ts';
import type { Net } from '../nn/net.ts';
import { Optimizer } from '../optim/optimizer.ts';
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import { TRAINING } from '../tensor/forward-mode.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { measureInterleaved, median } from './measure.ts';
import type { TimedCase, TimingOptions } from './measure.ts';
import { DEFAULT_PYTHON, runTorchStep, torchPrerequisiteMissing } from './torch-comparison.ts';
import type { TorchOutcome } from './torch-comparison.ts';
import type { BenchResult, LayerTimes } from './results.ts';

export const TRAINING_BATCH = 32;
const IMAGE_SHAPE = [3, 32, 32];

/** The demo net's parsed definition, read from the code (train-setup.ts), optionally with BN after each conv. */
export function demoNetDefinition(batchNorm = false): LayerDefinition[] {
  const definitions = parseDefinition(CONVNETJS_CIFAR10_NET, IMAGE_SHAPE);
  return batchNorm ? withBatchNormAfterEachConv(definitions) : definitions;
}

/** conv → conv, batchnorm (the layout of `npm run train:cifar10`'s net: conv-bn-relu-pool). */
export function withBatchNormAfterEachConv(definitions: readonly LayerDefinition[]): LayerDefinition[] {
  return definitions.flatMap((layer): LayerDefinition[] => (layer.type === 'conv' ? [layer, { type: 'batchnorm' }] : [layer]));
}

/** A net, its optimizer and four fixed batches, ready to take steps on one executor. */
export interface TrainingSubject {
  readonly net: Net;
  /** One whole training step (on the next of the four batches). */
  readonly step: () => void;
  /** The update alone (the optimizer's step), for the per-layer breakdown. */
  readonly update: () => void;
  /** Zero gradients + forward + loss + backward, without the update. */
  readonly gradients: () => void;
}

export function trainingSubject(definitions: LayerDefinition[], executor: Executor, batch = TRAINING_BATCH): TrainingSubject {
  const rng = new Rng(1);
  const net = buildNet(definitions, rng);
  net.setExecutor(executor);
  const optimizer = new Optimizer({ type: 'momentum', learningRate: 0.01, momentum: 0.9 });
  const parameters = net.parameters();
  const batches = Array.from({ length: 4 }, () => ({
    input: Tensor.uniform([batch, ...net.inputShape], rng, -0.5, 0.5),
    labels: Int32Array.from({ length: batch }, () => rng.int(net.classes)),
  }));
  let next = 0;
  const gradients = (): void => {
    const { input, labels } = batches[next];
    next = (next + 1) % batches.length;
    net.zeroGrad();
    net.lossAndGradients(input, labels, TRAINING);
  };
  const update = (): void => optimizer.step(parameters);
  return { net, gradients, update, step: () => { gradients(); update(); } };
}

export interface TrainingBenchContext {
  /** The 2-thread executor (a WorkerPool of 2 in the bench). */
  readonly pair: Executor;
  readonly timing: TimingOptions;
  readonly quick: boolean;
  readonly emit: (result: BenchResult) => void;
  readonly progress: (message: string) => void;
  /** The interpreter for the PyTorch comparison (default DEFAULT_PYTHON); 'none' skips it. */
  readonly python?: string;
  /** Told the CPU seconds each child process used (so the machine's load does not count them as others'). */
  readonly childCpu?: (seconds: number) => void;
}

/** Milliseconds per step of `step`: whole steps, at least `minimumSteps`, lasting at least `sampleMilliseconds`. */
function sampleSteps(step: () => void, sampleMilliseconds: number, minimumSteps = 1): number {
  const started = performance.now();
  let steps = 0;
  let elapsed = 0;
  do {
    step();
    steps++;
    elapsed = performance.now() - started;
  } while (elapsed < sampleMilliseconds || steps < minimumSteps);
  return elapsed / steps;
}

/**
 * Warm-up before any timing: V8 optimizes each of the step's many functions only once it is hot, and
 * on a busy machine its background compiler gets little time, so the first tens of steps are slow.
 */
function warmUp(step: () => void, quick: boolean): void {
  sampleSteps(step, quick ? 500 : 1500, quick ? 5 : 20);
}

/**
 * train-step: ours (1 thread, 2 workers) and PyTorch (1, 2 threads), one sample of each per round,
 * the rounds repeated; each row is the median over rounds. A PyTorch process runs its own warm-up and
 * a few samples per round (its median is the round's value), while this thread waits.
 */
export function benchTrainingStep(context: TrainingBenchContext): void {
  const { emit, progress, quick } = context;
  const definitions = demoNetDefinition();
  const ours = [
    { workers: 1, subject: trainingSubject(definitions, serialExecutor) },
    { workers: 2, subject: trainingSubject(definitions, context.pair) },
  ];
  const python = context.python ?? DEFAULT_PYTHON;
  const missing = python === 'none' ? '--python none' : torchPrerequisiteMissing(python);
  let torchSkipped = missing;
  const rounds = quick ? 1 : 5;
  const sampleMilliseconds = quick ? 150 : 400;
  const ourSamples = ours.map(() => [] as number[]);
  const torchSamples = [[], []] as number[][];
  let torchVersion = '';
  for (const { subject } of ours) warmUp(subject.step, quick);
  // Each round: ours on 1 thread, PyTorch on 1, ours on 2 workers, PyTorch on 2 — each PyTorch run
  // right after its counterpart, so the per-round ratio sees (nearly) the same machine load.
  for (let round = 0; round < rounds; round++) {
    progress(`train-step: demo net, batch ${TRAINING_BATCH}, round ${round + 1}/${rounds}` + (torchSkipped ? '' : ' (with PyTorch)'));
    for (const [index, { subject, workers }] of ours.entries()) {
      ourSamples[index].push(sampleSteps(subject.step, sampleMilliseconds));
      if (torchSkipped) continue;
      const outcome: TorchOutcome = runTorchStep({
        python, layers: definitions, threads: workers, batch: TRAINING_BATCH, samples: 3,
        sampleMilliseconds, warmupMilliseconds: quick ? 200 : 400,
      });
      if (outcome.kind === 'unavailable') {
        torchSkipped = outcome.reason;
        continue;
      }
      torchVersion = outcome.torchVersion;
      context.childCpu?.(outcome.cpuSeconds);
      torchSamples[index].push(median(outcome.stepMilliseconds));
    }
  }
  const tier = kernelTier();
  ours.forEach(({ workers }, index) => {
    const stepMilliseconds = median(ourSamples[index]);
    emit({
      bench: 'train-step', who: 'convnet-ts', threads: workers, batch: TRAINING_BATCH, stepMilliseconds,
      examplesPerSecond: (1000 * TRAINING_BATCH) / stepMilliseconds, rounds, tier,
    });
  });
  if (torchSkipped) {
    emit({ bench: 'skipped', what: 'PyTorch training step (1 and 2 threads)', reason: torchSkipped });
    return;
  }
  ours.forEach(({ workers }, index) => {
    const stepMilliseconds = median(torchSamples[index]);
    emit({
      bench: 'train-step', who: `PyTorch ${torchVersion}`, threads: workers, batch: TRAINING_BATCH, stepMilliseconds,
      examplesPerSecond: (1000 * TRAINING_BATCH) / stepMilliseconds, rounds, tier,
    });
  });
  // The ratio: the median of the rounds' own ratios (speed = 1 / time), steadier on a shared machine
  // than the ratio of the two medians, because a change of load between rounds cancels out.
  ours.forEach(({ workers }, index) => {
    const perRound = ourSamples[index].map((ourMs, round) => torchSamples[index][round] / ourMs);
    emit({ bench: 'train-step-ratio', threads: workers, oursOverTorch: median(perRound), perRound, rounds });
  });
}

/**
 * Wraps a layer's forward and backward (on the instance, for this bench only) to add their times up.
 * Net has no timing hook on purpose: wrapping here leaves the training path untouched when nobody
 * measures, and keeps timing code out of src/nn.
 */
function timeLayer(layer: Layer, totals: { forward: number; backward: number }): void {
  const forward = layer.forward.bind(layer);
  const backward = layer.backward.bind(layer);
  layer.forward = (input, mode) => {
    const started = performance.now();
    const output = forward(input, mode);
    totals.forward += performance.now() - started;
    return output;
  };
  const fused = layer.forwardThenRelu?.bind(layer);
  if (fused !== undefined) {
    // The fused batchnorm + relu step (Net's fusion) counts as this layer's forward.
    layer.forwardThenRelu = (input, mode) => {
      const started = performance.now();
      const output = fused(input, mode);
      totals.forward += performance.now() - started;
      return output;
    };
  }
  layer.backward = (outputGrad, computeInputGrad) => {
    const started = performance.now();
    const inputGrad = backward(outputGrad, computeInputGrad);
    totals.backward += performance.now() - started;
    return inputGrad;
  };
}

/**
 * layers: steps on 1 thread and 2 workers, alternating, each step timed layer by layer. Each
 * figure is the median over the steps. "loss" is what lossAndGradients spends outside the layers
 * (the softmax cross-entropy and its gradient), "update" the optimizer and the zeroing of gradients.
 */
export function benchLayerTimes(context: TrainingBenchContext): void {
  const steps = context.quick ? 5 : 25;
  context.progress(`layers: demo net, batch ${TRAINING_BATCH}, ${steps} steps timed layer by layer on 1 thread and 2 workers`);
  const definitions = demoNetDefinition();
  const subjects = [
    { workers: 1, subject: trainingSubject(definitions, serialExecutor) },
    { workers: 2, subject: trainingSubject(definitions, context.pair) },
  ].map(({ workers, subject }) => {
    const totals = subject.net.layers.map(() => ({ forward: 0, backward: 0 }));
    subject.net.layers.forEach((layer, index) => timeLayer(layer, totals[index]));
    const samples = { forward: totals.map(() => [] as number[]), backward: totals.map(() => [] as number[]), loss: [] as number[], update: [] as number[], step: [] as number[] };
    return { workers, subject, totals, samples };
  });
  for (const { subject } of subjects) warmUp(subject.step, context.quick);
  for (let step = 0; step < steps; step++) {
    for (const { subject, totals, samples } of subjects) {
      for (const total of totals) total.forward = total.backward = 0;
      const started = performance.now();
      subject.gradients();
      const afterGradients = performance.now();
      subject.update();
      const ended = performance.now();
      let inLayers = 0;
      totals.forEach((total, index) => {
        samples.forward[index].push(total.forward);
        samples.backward[index].push(total.backward);
        inLayers += total.forward + total.backward;
      });
      samples.loss.push(afterGradients - started - inLayers);
      samples.update.push(ended - afterGradients);
      samples.step.push(ended - started);
    }
  }
  for (const { workers, subject, samples } of subjects) {
    const layers: LayerTimes[] = subject.net.layers.map((layer, index) => ({
      name: layer.name, type: layer.type, forwardMs: median(samples.forward[index]), backwardMs: median(samples.backward[index]),
    })).filter((layer) => layer.forwardMs > 0 || layer.backwardMs > 0); // the final softmax is not run in training
    context.emit({
      bench: 'layer-times', workers, batch: TRAINING_BATCH, steps, layers,
      lossMs: median(samples.loss), updateMs: median(samples.update), stepMs: median(samples.step), tier: kernelTier(),
    });
  }
}

/**
 * batchnorm: the demo net with and without BN after each conv, 1 thread and 2 workers. Rounds of
 * paired samples — plain then BN, BN then plain in the next round, so a drift of the machine's speed
 * within a round cancels over two — and the ratio is the median of the rounds' own ratios: a change
 * of load between rounds then cancels too, which the ratio of two medians would not.
 */
export function benchBatchNormVariant(context: TrainingBenchContext): void {
  const rounds = context.quick ? 3 : 25;
  const sampleMilliseconds = context.quick ? 20 : 60;
  context.progress(`batchnorm: demo net with and without batch norm after each conv, batch ${TRAINING_BATCH}, ${rounds} rounds of paired samples`);
  const configurations = [
    { workers: 1, executor: serialExecutor as Executor },
    { workers: 2, executor: context.pair },
  ].map(({ workers, executor }) => {
    const [plain, normalized] = [false, true].map((batchNorm) => trainingSubject(demoNetDefinition(batchNorm), executor));
    warmUp(plain.step, context.quick);
    warmUp(normalized.step, context.quick);
    return { workers, plain, normalized, plainMs: [] as number[], batchNormMs: [] as number[] };
  });
  for (let round = 0; round < rounds; round++) {
    for (const configuration of configurations) {
      const order = round % 2 === 0 ? [configuration.plain, configuration.normalized] : [configuration.normalized, configuration.plain];
      const [first, second] = order.map((subject) => sampleSteps(subject.step, sampleMilliseconds, 2));
      const [plainMs, batchNormMs] = round % 2 === 0 ? [first, second] : [second, first];
      configuration.plainMs.push(plainMs);
      configuration.batchNormMs.push(batchNormMs);
    }
  }
  for (const { workers, plainMs, batchNormMs } of configurations) {
    const perRound = batchNormMs.map((ms, round) => ms / plainMs[round]);
    context.emit({
      bench: 'batchnorm-step', workers, batch: TRAINING_BATCH, plainMs: median(plainMs), batchNormMs: median(batchNormMs),
      ratio: median(perRound), perRound, tier: kernelTier(),
    });
  }
}

/**
 * tiers: the demo-net step on every kernel tier, 1 thread and 2 workers, interleaved. The tier is set
 * before each call (untimed); when it changed, one untimed step lets every thread rebuild its scratch
 * heaps for the new tier. The setting in force before is restored at the end.
 */
export function benchTiers(context: TrainingBenchContext): void {
  context.progress(`tiers: demo-net step, batch ${TRAINING_BATCH}, on ${KERNEL_TIERS.join(', ')}, interleaved`);
  const before = kernelTier();
  const configurations = [
    { workers: 1, executor: serialExecutor as Executor },
    { workers: 2, executor: context.pair },
  ];
  const rows: Array<{ tier: KernelTier; workers: number }> = [];
  const cases: TimedCase[] = [];
  try {
    for (const { workers, executor } of configurations) {
      const subject = trainingSubject(demoNetDefinition(), executor);
      for (const tier of KERNEL_TIERS) {
        setKernelTier(tier);
        warmUp(subject.step, context.quick);
        rows.push({ tier, workers });
        cases.push({
          prepare: () => {
            if (kernelTier() === tier) return;
            setKernelTier(tier);
            subject.step();
          },
          run: subject.step,
        });
      }
    }
    const seconds = measureInterleaved(cases, context.timing);
    rows.forEach(({ tier, workers }, index) => {
      context.emit({ bench: 'tier-step', tier, workers, batch: TRAINING_BATCH, stepMs: 1000 * seconds[index] });
    });
  } finally {
    setKernelTier(before);
  }
}
