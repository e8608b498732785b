/**
 * Convolution and pooling benchmarks through the layers themselves (Conv2d, MaxPool2d), so the
 * figures include everything a training step pays: argument records, im2col, GEMM, col2im, bias.
 * Three implementations (conv2d.ts): naive, the explicit im2col + GEMM, and the implicit GEMM (the
 * layer's default); both GEMM paths on 1 thread and on 2 workers.
 *
 * The layers (stride 1, "same" padding, so H′ = H and W′ = W):
 *   (a) 32×32×3  → 16 filters 5×5 pad 2     (CIFAR-10 first layer of the ConvNetJS demo)
 *   (b) 16×16×16 → 20 filters 5×5 pad 2
 *   (c) 8×8×20   → 20 filters 5×5 pad 2
 *   (d) 32×32×64 → 64 filters 3×3 pad 1     (a VGG-style layer: 16× the work of (a))
 *
 * Work counted: forward MACs = N·K·H′·W′·C·F·F, FLOPs = 2·MACs. Backward computes dx and dW, each
 * as much work as the forward: 2× the forward FLOPs (db is negligible and not counted).
 *
 * Timing a backward: the im2col layer consumes its columns in backward, so every timed backward is
 * preceded by an untimed forward (measure.ts `prepare`).
 */
import { Conv2d } from '../layers/conv2d.ts';
import type { ConvImplementation } from '../layers/conv2d.ts';
import { MaxPool2d } from '../layers/max-pool.ts';
import { TRAINING } from '../layers/layer.ts';
import type { Executor } from '../parallel/executor.ts';
import { serialExecutor } from '../parallel/serial-executor.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { measure, measureInterleaved } from './measure.ts';
import type { TimedCase, TimingOptions } from './measure.ts';
import { scalingCases } from './micro-bench.ts';
import type { BenchPools } from './micro-bench.ts';
import type { BenchResult, ConvResult, PoolResult } from './results.ts';

export interface ConvLayerSpec {
  readonly id: string;
  readonly channels: number;
  readonly size: number;
  readonly filters: number;
  readonly filterSize: number;
  readonly pad: number;
}

export const CONV_LAYERS: readonly ConvLayerSpec[] = [
  { id: 'a', channels: 3, size: 32, filters: 16, filterSize: 5, pad: 2 },
  { id: 'b', channels: 16, size: 16, filters: 20, filterSize: 5, pad: 2 },
  { id: 'c', channels: 20, size: 8, filters: 20, filterSize: 5, pad: 2 },
  { id: 'd', channels: 64, size: 32, filters: 64, filterSize: 3, pad: 1 },
];

/** "32×32×3 → 16, 5×5 pad 2", for the tables. */
export function describeLayer(spec: ConvLayerSpec): string {
  return `${spec.size}×${spec.size}×${spec.channels} → ${spec.filters}, ${spec.filterSize}×${spec.filterSize} pad ${spec.pad}`;
}

/** Forward FLOPs (2·MACs) of one batch. */
function forwardFlops(spec: ConvLayerSpec, batch: number): number {
  return 2 * batch * spec.filters * spec.size * spec.size * spec.channels * spec.filterSize * spec.filterSize;
}

/** A layer with its executor, input and output gradient, ready to time. */
interface ConvSubject {
  readonly forward: TimedCase;
  readonly backward: TimedCase;
}

function convSubject(spec: ConvLayerSpec, implementation: ConvImplementation, executor: Executor, batch: number): ConvSubject {
  const rng = new Rng(11);
  const layer = new Conv2d({
    inputShape: [spec.channels, spec.size, spec.size], filters: spec.filters, size: spec.filterSize,
    stride: 1, pad: spec.pad, implementation, rng,
  });
  layer.setExecutor(executor);
  const input = Tensor.gaussian([batch, ...layer.inputShape], rng);
  const outputGrad = Tensor.gaussian([batch, ...layer.outputShape], rng);
  const forward = (): void => void layer.forward(input, TRAINING);
  return { forward: { run: forward }, backward: { prepare: forward, run: () => void layer.backward(outputGrad) } };
}

/** Above this many seconds per forward + backward, a naive configuration is not timed. */
const NAIVE_LIMIT_SECONDS = { full: 3, quick: 0.5 };
/** --quick skips batches whose forward exceeds this many FLOPs (layer (d) at batch 32: 2.4 GFLOP). */
const QUICK_MAX_FLOPS = 1e9;
/** Above this many seconds per forward + backward, a naive configuration gets 5 runs (not more). */
const NAIVE_FEW_RUNS_SECONDS = 0.2;

export interface ConvBenchContext {
  readonly pools: BenchPools;
  readonly timing: TimingOptions;
  readonly quick: boolean;
  readonly emit: (result: BenchResult) => void;
  readonly progress: (message: string) => void;
}

/** The two GEMM paths, each timed on 1 thread and on 2 workers. */
const FAST_IMPLEMENTATIONS: readonly ConvImplementation[] = ['im2col', 'implicit-gemm'];

/**
 * Every layer at batch 1 and 32: naive (1 thread); each GEMM path on 1 thread and on 2 workers
 * (interleaved), and at batch 32 its forward+backward speed-up on 2 workers next to the machine's
 * own scaling measured in the same interleaved runs.
 */
export function benchConv(context: ConvBenchContext): void {
  const { pools, timing, emit, progress } = context;
  const limit = context.quick ? NAIVE_LIMIT_SECONDS.quick : NAIVE_LIMIT_SECONDS.full;
  for (const spec of CONV_LAYERS) {
    let naiveSecondsPerExample = 0;
    for (const batch of [1, 32]) {
      if (context.quick && batch * forwardFlops(spec, 1) > QUICK_MAX_FLOPS) {
        emit({ bench: 'skipped', what: `conv (${spec.id}), batch ${batch}`, reason: '--quick times only batches below 1 GFLOP' });
        continue;
      }
      progress(`conv (${spec.id}) ${describeLayer(spec)}, batch ${batch}`);
      const flops = forwardFlops(spec, batch);
      const result = (impl: ConvImplementation, workers: number, forward: number, backward: number, runs: number): ConvResult =>
        ({ bench: 'conv', layer: spec.id, impl, workers, batch, fwdGflops: flops / forward / 1e9, bwdGflops: (2 * flops) / backward / 1e9, runs });

      // Naive: estimated from batch 1 before a batch-32 run is attempted.
      const estimate = naiveSecondsPerExample * batch;
      if (batch > 1 && estimate > limit) {
        emit({
          bench: 'skipped', what: `conv (${spec.id}) naive, batch ${batch}`,
          reason: `≈ ${estimate.toFixed(1)} s per forward + backward (batch 1 × ${batch}), above the ${limit} s limit`,
        });
      } else {
        const runs = estimate > NAIVE_FEW_RUNS_SECONDS ? Math.min(5, timing.runs) : timing.runs;
        const naive = convSubject(spec, 'naive', serialExecutor, batch);
        const forward = measure(naive.forward, timing, runs);
        const backward = measure(naive.backward, timing, runs);
        if (batch === 1) naiveSecondsPerExample = forward + backward;
        emit(result('naive', 1, forward, backward, runs));
      }

      // The compute loop on 1 and 2 threads runs interleaved with the conv runs, so the speed-up is
      // compared with the machine's scaling under the same load (other processes come and go).
      for (const implementation of FAST_IMPLEMENTATIONS) {
        const single = convSubject(spec, implementation, serialExecutor, batch);
        const pair = convSubject(spec, implementation, pools.pair, batch);
        const [loop1, loop2] = scalingCases(pools);
        const forward = measureInterleaved([single.forward, pair.forward, loop1, loop2], timing);
        const backward = measureInterleaved([single.backward, pair.backward, loop1, loop2], timing);
        emit(result(implementation, 1, forward[0], backward[0], timing.runs));
        emit(result(implementation, 2, forward[1], backward[1], timing.runs));
        if (batch === 32) {
          const speedup = (forward[0] + backward[0]) / (forward[1] + backward[1]);
          const machineFactor = (forward[2] + backward[2]) / (forward[3] + backward[3]);
          emit({ bench: 'speedup', layer: spec.id, impl: implementation, batch, speedup, machineFactor, percentOfScaling: (100 * speedup) / machineFactor });
        }
      }
    }
  }
}

/** Max-pool 2×2 stride 2 on (32, 16, 32, 32): ns per input element, forward and backward, 1 and 2 threads. */
export function benchPool(context: ConvBenchContext): void {
  const shape = [32, 16, 32, 32] as const;
  const subjects = ([[1, serialExecutor], [2, context.pools.pair]] as const).map(([workers, executor]) => {
    const layer = new MaxPool2d({ inputShape: shape.slice(1), size: 2, stride: 2 });
    layer.setExecutor(executor);
    const input = Tensor.gaussian(shape, new Rng(3));
    const outputGrad = Tensor.gaussian([shape[0], ...layer.outputShape], new Rng(4));
    const forward = (): void => void layer.forward(input, TRAINING);
    return { workers, forward: { run: forward }, backward: { prepare: forward, run: () => void layer.backward(outputGrad) } };
  });
  context.progress(`pool: max 2×2 stride 2 on ${shape.join('×')}`);
  const elements = shape.reduce((product, dim) => product * dim, 1);
  const forward = measureInterleaved(subjects.map((subject) => subject.forward), context.timing);
  const backward = measureInterleaved(subjects.map((subject) => subject.backward), context.timing);
  subjects.forEach((subject, index) => {
    for (const [pass, seconds] of [['forward', forward[index]], ['backward', backward[index]]] as const) {
      const result: PoolResult = {
        bench: 'pool', kind: 'max', size: 2, stride: 2, shape, workers: subject.workers, pass, nsPerElement: (seconds / elements) * 1e9,
      };
      context.emit(result);
    }
  });
}
