/**
 * The records a benchmark run produces. `--json` prints each as one line of JSON; the human output
 * (report.ts) lays the same records out as tables. Rates are per second of median time.
 */

/** The machine and its load, before and after the run (other processes make every figure noisy). */
export interface MachineResult {
  readonly bench: 'machine';
  readonly cores: number;
  readonly node: string;
  /** 1-minute load average when the run started and when it ended. */
  readonly loadBefore: number;
  readonly loadAfter: number;
  /** Share of all cores' time that OTHER processes used during the run, in percent (os.cpus() minus our own CPU time). */
  readonly othersBusyPercent: number;
  readonly quick: boolean;
  /** The kernel-tier setting in force (--tier; src/kernels/engines/kernel-tier.ts): 'simd', 'asm' or 'portable'. */
  readonly tier: string;
  /** The tier the GEMM macro-kernel ran on: the setting, or a slower one where the engine lacks it. */
  readonly gemmKernel: string;
  /** The tier the implicit-GEMM convolution's tile loops ran on. */
  readonly convTileKernel: string;
}

/** The same pure compute loop on 1 thread and on 2 threads: the machine's own 2-thread speed-up. */
export interface ScalingResult {
  readonly bench: 'scaling';
  readonly threads: 2;
  /** time on 1 thread / time on 2 threads. */
  readonly factor: number;
}

/** Cost of one parallelFor hand-off on a 2-thread pool, beyond the kernel's own work. */
export interface DispatchResult {
  readonly bench: 'dispatch';
  readonly workers: number;
  /** Back-to-back calls: the worker is still spinning when the next task arrives. */
  readonly hotMicroseconds: number;
  /** Calls 2 ms apart: the worker has gone to sleep and must be woken. */
  readonly coldMicroseconds: number;
}

export interface GemmResult {
  readonly bench: 'gemm';
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly workers: number;
  /** 2·m·n·k / median seconds / 1e9. */
  readonly gflops: number;
}

export type ConvImplementation = 'naive' | 'im2col' | 'implicit-gemm';

export interface ConvResult {
  readonly bench: 'conv';
  /** 'a'…'d', see conv-bench.ts. */
  readonly layer: string;
  readonly impl: ConvImplementation;
  readonly workers: number;
  readonly batch: number;
  /** Forward: 2·MACs / median seconds / 1e9, MACs = N·K·H'·W'·C·F·F. */
  readonly fwdGflops: number;
  /** Backward (dx and dW, each as much work as the forward): 2·2·MACs / median seconds / 1e9. */
  readonly bwdGflops: number;
  /** Timed runs behind each median. */
  readonly runs: number;
}

/** A configuration that was not timed, and why. */
export interface SkippedResult {
  readonly bench: 'skipped';
  readonly what: string;
  readonly reason: string;
}

/** A GEMM path on 2 workers against 1 thread, forward + backward time, batch 32, next to the machine's scaling. */
export interface SpeedupResult {
  readonly bench: 'speedup';
  readonly layer: string;
  readonly impl: ConvImplementation;
  readonly batch: number;
  /** time(1 thread) / time(2 workers), forward + backward. */
  readonly speedup: number;
  /** The compute loop's 1-thread / 2-thread time, measured interleaved with these conv runs. */
  readonly machineFactor: number;
  /** speedup / machineFactor, in percent. */
  readonly percentOfScaling: number;
}

export interface PoolResult {
  readonly bench: 'pool';
  readonly kind: 'max' | 'avg';
  readonly size: number;
  readonly stride: number;
  readonly shape: readonly number[];
  readonly workers: number;
  readonly pass: 'forward' | 'backward';
  /** Median nanoseconds per INPUT element. */
  readonly nsPerElement: number;
}

/** The demo net's whole training step (train-step section): ours or PyTorch's, median over interleaved rounds. */
export interface TrainStepResult {
  readonly bench: 'train-step';
  /** 'convnet-ts' or 'PyTorch <version>'. */
  readonly who: string;
  /** Ours: 1 = the serial executor, 2 = two workers; PyTorch: torch.set_num_threads. */
  readonly threads: number;
  readonly batch: number;
  readonly stepMilliseconds: number;
  readonly examplesPerSecond: number;
  /** Interleaved rounds behind the median. */
  readonly rounds: number;
  /** The kernel-tier setting of our side (PyTorch rows repeat it: same run). */
  readonly tier: string;
}

/** Ours / PyTorch in examples per second at one thread count: the median of the interleaved rounds' ratios. */
export interface TrainStepRatioResult {
  readonly bench: 'train-step-ratio';
  /** Ours on this many threads (1 = serial, 2 = two workers) against PyTorch on as many. */
  readonly threads: number;
  readonly oursOverTorch: number;
  readonly perRound: readonly number[];
  readonly rounds: number;
}

/** One layer's share of a training step. */
export interface LayerTimes {
  readonly name: string;
  readonly type: string;
  readonly forwardMs: number;
  readonly backwardMs: number;
}

/** A training step of the demo net taken apart layer by layer (medians over steps). */
export interface LayerTimesResult {
  readonly bench: 'layer-times';
  readonly workers: number;
  readonly batch: number;
  readonly steps: number;
  /** Layers in order; those not run in training (the final softmax) are left out. */
  readonly layers: readonly LayerTimes[];
  /** lossAndGradients outside the layers: the softmax cross-entropy and its gradient, zeroing gradients. */
  readonly lossMs: number;
  /** The optimizer's update. */
  readonly updateMs: number;
  /** The whole step (its own median: not exactly the sum of the medians above). */
  readonly stepMs: number;
  readonly tier: string;
}

/** The demo net with batch norm after each conv against without, interleaved. */
export interface BatchNormStepResult {
  readonly bench: 'batchnorm-step';
  readonly workers: number;
  readonly batch: number;
  readonly plainMs: number;
  readonly batchNormMs: number;
  /** The median over rounds of each round's batchNormMs / plainMs (target ≤ 1.10). */
  readonly ratio: number;
  /** Each round's ratio (paired samples, see training-bench.ts). */
  readonly perRound: readonly number[];
  readonly tier: string;
}

/** The demo net's step on one kernel tier (tiers section, all tiers interleaved). */
export interface TierStepResult {
  readonly bench: 'tier-step';
  readonly tier: string;
  readonly workers: number;
  readonly batch: number;
  readonly stepMs: number;
}

export type BenchResult =
  | MachineResult
  | ScalingResult
  | DispatchResult
  | GemmResult
  | ConvResult
  | SkippedResult
  | SpeedupResult
  | PoolResult
  | TrainStepResult
  | TrainStepRatioResult
  | LayerTimesResult
  | BatchNormStepResult
  | TierStepResult;
