/**
 * `npm run bench` (`npx tsx src/cli.ts bench [--quick] [--json] [--only <sections>] [--tier simd|asm|portable]`).
 *
 * Sections, in the order they run:
 *   scaling   the machine's own 2-thread speed-up on a pure compute loop (the ceiling for ours)
 *   dispatch  the cost of one parallelFor hand-off to a worker (spinning, and asleep)
 *   gemm      GEMM GFLOP/s at 512×512×512 on 1 thread and 2 workers
 *   conv      conv forward/backward GFLOP/s: naive; explicit im2col + GEMM and implicit GEMM, each
 *             on 1 thread and 2 workers; at batch 1 and 32, on four layer shapes; then each GEMM
 *             path's 2-worker speed-up vs machine scaling
 *   pool      max-pool 2×2 stride 2, ns per input element
 *   train-step  the ConvNetJS CIFAR-10 demo net's training step, batch 32, ours on 1 thread and 2
 *             workers and PyTorch's on 1 and 2 threads (when /usr/bin/python3 can import torch;
 *             --python), interleaved; ours / PyTorch
 *   layers    that step's forward and backward ms, layer by layer
 *   batchnorm the demo net with batch norm after each conv vs without
 *   tiers     (only when asked: --only tiers) the step on each kernel tier, interleaved
 * (training-bench.ts, torch-comparison.ts).
 * The report's first line names the kernel tier in force (--tier, default simd) and the tier each fast
 * kernel actually ran on. Every figure is the median of several runs after warm-up (measure.ts). The output starts with the
 * machine's load average: on a shared machine every figure is noisy, the ratios less so (the cases
 * they compare are timed interleaved).
 */
import { gemmKernelTier } from '../kernels/gemm.ts';
import { convTileKernelTier } from '../kernels/conv-implicit-gemm.ts';
import { KERNEL_TIERS, kernelTier, parseKernelTier, setKernelTier } from '../kernels/engines/kernel-tier.ts';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { ConfigError } from '../errors.ts';
import { parseOptions } from '../cli/args.ts';
import { WorkerPool, loadKernelModule } from '../parallel/worker-pool.ts';
import { FULL_TIMING, QUICK_TIMING } from './measure.ts';
import { CONV_LAYERS, benchConv, benchPool, describeLayer } from './conv-bench.ts';
import type { ConvBenchContext } from './conv-bench.ts';
import { benchDispatch, benchGemm, benchScaling } from './micro-bench.ts';
import type { BenchPools } from './micro-bench.ts';
import { formatReport } from './report.ts';
import { DEFAULT_PYTHON } from './torch-comparison.ts';
import { benchBatchNormVariant, benchLayerTimes, benchTiers, benchTrainingStep } from './training-bench.ts';
import type { TrainingBenchContext } from './training-bench.ts';
import type { BenchResult } from './results.ts';

const SECTIONS = ['scaling', 'dispatch', 'gemm', 'conv', 'pool', 'train-step', 'layers', 'batchnorm', 'tiers'] as const;
type Section = (typeof SECTIONS)[number];
/** What runs without --only: everything but the tier comparison (three times the step work). */
const DEFAULT_SECTIONS: readonly Section[] = SECTIONS.filter((section) => section !== 'tiers');

const DESCRIPTION =
  'Benchmarks GEMM, convolution (naive; im2col and implicit GEMM, each on 1 thread and 2 workers),\npooling and the demo ' +
  "net's training step (against PyTorch when /usr/bin/python3 has torch; per layer; with batch norm):\nmedians of " +
  'several runs after warm-up, GFLOP/s counted as 2·MACs, ratios side by side.';

/** Parses --only: a comma-separated subset of SECTIONS (default all). */
function parseSections(text: string | undefined): Set<Section> {
  if (!text) return new Set(DEFAULT_SECTIONS);
  const chosen = text.split(',').map((name) => name.trim());
  for (const name of chosen) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new ConfigError(`bench --only: unknown section '${name}'; choose from ${SECTIONS.join(', ')}`);
    }
  }
  return new Set(chosen as Section[]);
}

/** Busy and total CPU milliseconds of all cores since boot (os.cpus()). */
function busyMilliseconds(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}

/** Runs the benchmark; returns the process exit code. */
export async function benchCommand(argv: string[]): Promise<number> {
  const options = parseOptions('bench', DESCRIPTION, {
    quick: { type: 'boolean', help: 'few short runs: a smoke check, not a measurement' },
    json: { type: 'boolean', help: 'one JSON object per line instead of tables' },
    only: { type: 'string', value: '<list>', help: `comma-separated sections to run: ${SECTIONS.join(',')} (default: all but tiers)` },
    python: { type: 'string', value: '<path>', help: `the Python that runs the PyTorch comparison (default ${DEFAULT_PYTHON}, Debian's python3-torch; 'none' skips it)` },
    tier: { type: 'string', value: '<tier>', help: `kernel tier ceiling: ${KERNEL_TIERS.join(', ')} (default: simd, the fastest the engine has)` },
  }, argv);
  if (!options) return 0;
  if (options.tier !== undefined) setKernelTier(parseKernelTier(options.tier, 'bench --tier'));
  const sections = parseSections(options.only);
  const quick = options.quick;
  const timing = quick ? QUICK_TIMING : FULL_TIMING;
  const results: BenchResult[] = [];
  const emit = (result: BenchResult): void => {
    results.push(result);
    // Every JSON record names the tier in force (the tiers section's records carry their own).
    if (options.json) console.log(JSON.stringify({ tier: kernelTier(), ...result }));
  };
  const progress = (message: string): void => {
    if (!options.json) process.stderr.write(`${message}\n`);
  };

  progress(`kernel tier: ${kernelTier()} (GEMM runs ${gemmKernelTier()}, conv tiles run ${convTileKernelTier()})`);
  const loadBefore = loadavg()[0];
  const machineBefore = busyMilliseconds();
  const ownBefore = process.cpuUsage();
  let childCpuMilliseconds = 0; // PyTorch's processes: ours, not others'
  const benchKernels = await loadKernelModule(new URL(`./bench-kernels.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const pools: BenchPools = {
    single: new WorkerPool({ workers: 1, kernelModules: [benchKernels] }),
    pair: new WorkerPool({ workers: 2, kernelModules: [benchKernels] }),
  };
  try {
    if (sections.has('scaling')) {
      progress('scaling: compute loop on 1 and 2 threads');
      emit(benchScaling(pools, timing));
    }
    if (sections.has('dispatch')) {
      progress('dispatch: parallelFor hand-off');
      emit(benchDispatch(pools, timing));
    }
    if (sections.has('gemm')) {
      progress('gemm: 512×512×512');
      for (const result of benchGemm(pools, timing)) emit(result);
    }
    const context: ConvBenchContext = { pools, timing, quick, emit, progress };
    if (sections.has('conv')) benchConv(context);
    if (sections.has('pool')) benchPool(context);
    const childCpu = (seconds: number): void => void (childCpuMilliseconds += 1000 * seconds);
    const training: TrainingBenchContext = { pair: pools.pair, timing, quick, emit, progress, childCpu, ...(options.python !== undefined ? { python: options.python } : {}) };
    if (sections.has('train-step')) benchTrainingStep(training);
    if (sections.has('layers')) benchLayerTimes(training);
    if (sections.has('batchnorm')) benchBatchNormVariant(training);
    if (sections.has('tiers')) benchTiers(training);
  } finally {
    await pools.pair.close();
  }
  const machineAfter = busyMilliseconds();
  const own = process.cpuUsage(ownBefore);
  const othersBusy = machineAfter.busy - machineBefore.busy - (own.user + own.system) / 1000 - childCpuMilliseconds;
  const machine: BenchResult = {
    bench: 'machine', cores: availableParallelism(), node: process.versions.node,
    loadBefore, loadAfter: loadavg()[0],
    othersBusyPercent: Math.max(0, (100 * othersBusy) / Math.max(1, machineAfter.total - machineBefore.total)),
    quick, tier: kernelTier(), gemmKernel: gemmKernelTier(), convTileKernel: convTileKernelTier(),
  };
  emit(machine);
  const layerNames = Object.fromEntries(CONV_LAYERS.map((spec) => [spec.id, describeLayer(spec)]));
  if (!options.json) console.log(formatReport([machine, ...results.slice(0, -1)], layerNames));
  return 0;
}
