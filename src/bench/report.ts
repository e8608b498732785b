/**
 * Human output of a benchmark run: aligned tables with the ratios side by side. The same records
 * go out unchanged as JSON lines with --json (bench-command.ts).
 */
import type {
  BatchNormStepResult, BenchResult, ConvResult, LayerTimesResult, TierStepResult, TrainStepRatioResult, TrainStepResult, DispatchResult, GemmResult, MachineResult, PoolResult, ScalingResult, SkippedResult,
  SpeedupResult,
} from './results.ts';

/** Lays out rows as columns: text left-aligned in the first column, everything else right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));
const ratio = (numerator: number | undefined, denominator: number | undefined): string =>
  numerator === undefined || denominator === undefined ? '-' : `${(numerator / denominator).toFixed(2)}×`;

function of<K extends BenchResult['bench']>(results: readonly BenchResult[], bench: K): Array<Extract<BenchResult, { bench: K }>> {
  return results.filter((result): result is Extract<BenchResult, { bench: K }> => result.bench === bench);
}

/** GFLOP/s of every configuration, then the ratios between them. */
function convTable(conv: readonly ConvResult[], layerNames: Record<string, string>): string {
  const find = (layer: string, batch: number, impl: string, workers: number): ConvResult | undefined =>
    conv.find((r) => r.layer === layer && r.batch === batch && r.impl === impl && r.workers === workers);
  const keys = [...new Set(conv.map((r) => `${r.layer}|${r.batch}`))];
  const configurations = [['naive', 1], ['im2col', 1], ['im2col', 2], ['implicit-gemm', 1], ['implicit-gemm', 2]] as const;
  const speedRows = keys.map((key) => {
    const [layer, batchText] = key.split('|');
    const batch = Number(batchText);
    return [
      `(${layer}) ${layerNames[layer] ?? ''}`, String(batch),
      ...configurations.flatMap(([impl, workers]) => {
        const r = find(layer, batch, impl, workers);
        return [fixed(r?.fwdGflops), fixed(r?.bwdGflops)];
      }),
    ];
  });
  const ratioRows = keys.map((key) => {
    const [layer, batchText] = key.split('|');
    const batch = Number(batchText);
    const [naive, im2col1, im2col2, implicit1, implicit2] = configurations.map(([impl, workers]) => find(layer, batch, impl, workers));
    return [
      `(${layer}) ${layerNames[layer] ?? ''}`, String(batch),
      ratio(implicit1?.fwdGflops, naive?.fwdGflops), ratio(implicit1?.bwdGflops, naive?.bwdGflops),
      ratio(implicit1?.fwdGflops, im2col1?.fwdGflops), ratio(implicit1?.bwdGflops, im2col1?.bwdGflops),
      ratio(im2col2?.fwdGflops, im2col1?.fwdGflops), ratio(im2col2?.bwdGflops, im2col1?.bwdGflops),
      ratio(implicit2?.fwdGflops, implicit1?.fwdGflops), ratio(implicit2?.bwdGflops, implicit1?.bwdGflops),
    ];
  });
  return formatTable(
    ['layer', 'N', 'naive fwd', 'bwd', 'im2col 1t fwd', 'bwd', 'im2col 2w fwd', 'bwd', 'implicit 1t fwd', 'bwd', 'implicit 2w fwd', 'bwd'],
    speedRows,
  ) + '\n\nratios (1t = 1 thread, 2w = 2 workers):\n' + formatTable(
    ['layer', 'N', 'implicit/naive fwd', 'bwd', 'implicit/im2col 1t fwd', 'bwd', 'im2col 2w/1t fwd', 'bwd', 'implicit 2w/1t fwd', 'bwd'],
    ratioRows,
  );
}

/**
 * The targets of the convolution issue, at batch 32 on layers (a)-(c), for each GEMM path: 1 thread
 * ≥ 3 GFLOP/s forward and backward; on 2 workers ≥ 1.8× the 1-thread figure and ≥ 90 % of the
 * machine's scaling.
 */
function targetsTable(conv: readonly ConvResult[], speedups: readonly SpeedupResult[]): string {
  const mark = (value: number | undefined, target: number): string =>
    value === undefined ? '-' : value >= target ? 'met' : 'MISSED';
  const rows = (['implicit-gemm', 'im2col'] as const).flatMap((impl) => ['a', 'b', 'c'].flatMap((layer) => {
    const single = conv.find((r) => r.layer === layer && r.batch === 32 && r.impl === impl && r.workers === 1);
    const pair = conv.find((r) => r.layer === layer && r.batch === 32 && r.impl === impl && r.workers === 2);
    const speedup = speedups.find((s) => s.layer === layer && s.batch === 32 && s.impl === impl);
    if (!single) return [];
    return [[
      `(${layer}) ${impl}`,
      `${fixed(single.fwdGflops)} ${mark(single.fwdGflops, 3)}`,
      `${fixed(single.bwdGflops)} ${mark(single.bwdGflops, 3)}`,
      `${ratio(speedup?.speedup, 1)} ${mark(speedup?.speedup, 1.8)}`,
      `${fixed(speedup?.percentOfScaling, 0)} % ${mark(speedup?.percentOfScaling, 90)}`,
      pair ? `${ratio(pair.fwdGflops, single.fwdGflops)} / ${ratio(pair.bwdGflops, single.bwdGflops)}` : '-',
    ]];
  }));
  return 'targets (batch 32):\n' + formatTable(
    ['layer, path', '1t fwd ≥ 3', '1t bwd ≥ 3', '2w/1t ≥ 1.8×', '≥ 90 % of machine', '(fwd / bwd 2w/1t)'],
    rows,
  );
}

const threadLabel = (who: string, threads: number): string =>
  threads === 1 ? '1 thread' : who === 'convnet-ts' ? `${threads} workers` : `${threads} threads`;

/** Ours and PyTorch's step side by side, then ours / PyTorch in examples per second. */
function trainStepTable(rows: readonly TrainStepResult[], ratios: readonly TrainStepRatioResult[], tier: string): string {
  const table = formatTable(
    ['who', 'threads', 'ms/step', 'examples/s'],
    rows.map((r) => [r.who, threadLabel(r.who, r.threads), fixed(r.stepMilliseconds, 1), fixed(r.examplesPerSecond, 0)]),
  );
  const ratioText = ratios.map((r) =>
    `${threadLabel('convnet-ts', r.threads)} vs ${threadLabel('PyTorch', r.threads)} ${r.oursOverTorch.toFixed(2)}× ${r.oursOverTorch >= 1 ? 'met' : 'MISSED'}` +
    ` (rounds: ${r.perRound.map((value) => value.toFixed(2)).join(', ')})`);
  const [first] = rows;
  return `training step, ConvNetJS CIFAR-10 demo net, batch ${first.batch}, softmax cross-entropy, SGD momentum 0.9 ` +
    `(kernel tier ${tier}; medians of ${first.rounds} interleaved round(s); PyTorch's 2 threads with OMP_WAIT_POLICY=PASSIVE):\n${table}` +
    (ratioText.length > 0 ? `\nours / PyTorch, examples/s, median of the rounds' ratios (target ≥ 1×):\n  ${ratioText.join('\n  ')}` : '');
}

/** Forward and backward ms of every layer, 1 thread and 2 workers side by side; the share outside the convolutions. */
function layerTimesTable(results: readonly LayerTimesResult[]): string {
  const [first] = results;
  const cell = (value: number): string => fixed(value, 2);
  const rows: string[][] = first.layers.map((layer, index) => [
    `${layer.name} (${layer.type})`, ...results.flatMap((r) => [cell(r.layers[index].forwardMs), cell(r.layers[index].backwardMs)]),
  ]);
  rows.push(['loss (softmax cross-entropy), zeroing', ...results.flatMap((r) => [cell(r.lossMs), '-'])]);
  rows.push(['update (SGD momentum)', ...results.flatMap((r) => [cell(r.updateMs), '-'])]);
  const outside = (r: LayerTimesResult): number => {
    const all = r.layers.reduce((sum, l) => sum + l.forwardMs + l.backwardMs, r.lossMs + r.updateMs);
    const conv = r.layers.filter((l) => l.type === 'conv').reduce((sum, l) => sum + l.forwardMs + l.backwardMs, 0);
    return (100 * (all - conv)) / all;
  };
  rows.push(['step (median of whole steps)', ...results.flatMap((r) => [cell(r.stepMs), ''])]);
  rows.push(['outside the conv layers', ...results.flatMap((r) => [`${outside(r).toFixed(0)} %`, ''])]);
  const header = ['layer', ...results.flatMap((r) => [`${r.workers === 1 ? '1t' : `${r.workers}w`} fwd ms`, 'bwd ms'])];
  return `training step by layer, demo net, batch ${first.batch} (kernel tier ${first.tier}; medians of ${first.steps} steps):\n${formatTable(header, rows)}`;
}

function batchNormTable(results: readonly BatchNormStepResult[]): string {
  const quartiles = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))];
    return `${at(0.25).toFixed(2)}–${at(0.75).toFixed(2)}`;
  };
  const rows = results.map((r) => [
    r.workers === 1 ? '1 thread' : `${r.workers} workers`, fixed(r.plainMs, 1), fixed(r.batchNormMs, 1),
    `${r.ratio.toFixed(2)}× ${r.ratio <= 1.1 ? 'met' : 'MISSED'}`, quartiles(r.perRound),
  ]);
  return `batch norm after each conv (npm run train:cifar10's layout) vs the plain demo net, batch ${results[0].batch}, ms/step ` +
    `(kernel tier ${results[0].tier}; ${results[0].perRound.length} rounds of paired samples; the ratio is the median of the rounds' ratios):\n` +
    formatTable(['threads', 'plain', 'with BN', 'BN / plain (≤ 1.10×)', 'middle half of rounds'], rows);
}

function tierTable(results: readonly TierStepResult[]): string {
  const find = (tier: string, workers: number) => results.find((r) => r.tier === tier && r.workers === workers);
  const tiers = [...new Set(results.map((r) => r.tier))];
  const rows = tiers.map((tier) => [
    tier, fixed(find(tier, 1)?.stepMs, 1), fixed(find(tier, 2)?.stepMs, 1),
    ratio(find(tier, 1)?.stepMs, find('simd', 1)?.stepMs), ratio(find(tier, 2)?.stepMs, find('simd', 2)?.stepMs),
    ratio(find(tier, 1)?.stepMs, find('asm', 1)?.stepMs),
  ]);
  return `kernel tiers, demo-net training step, batch ${results[0].batch}, ms/step (all tiers interleaved in this run):\n` +
    formatTable(['tier', '1 thread', '2 workers', 'time vs simd 1t', 'vs simd 2w', 'vs asm 1t'], rows);
}

/** The whole human-readable report. `layerNames` describes the conv layers by letter. */
export function formatReport(results: readonly BenchResult[], layerNames: Record<string, string>): string {
  const sections: string[] = [];
  const [machine] = of(results, 'machine') as MachineResult[];
  if (machine) {
    sections.push(
      `machine: ${machine.cores} cores, Node ${machine.node}; kernel tier ${machine.tier} (GEMM macro-kernel ${machine.gemmKernel}, conv tiles ${machine.convTileKernel}); load average ${machine.loadBefore.toFixed(2)} at start, ` +
        `${machine.loadAfter.toFixed(2)} at end; other processes used ${machine.othersBusyPercent.toFixed(0)} % of the cores during the run` +
        (machine.quick ? '\n  --quick: few short runs, a smoke check, not a measurement' : '') +
        (machine.othersBusyPercent > 10 ? '\n  note: other processes competed for the cores; the figures are noisy, the interleaved ratios less so' : ''),
    );
  }
  const tierNote = machine ? ` (kernel tier ${machine.tier})` : '';
  const conv = of(results, 'conv');
  if (conv.length > 0) {
    sections.push(`convolution, GFLOP/s (2·MACs per second; backward = dx + dW = 2× the forward work)${tierNote}:\n${convTable(conv, layerNames)}`);
  }
  const [scaling] = of(results, 'scaling') as ScalingResult[];
  if (scaling) sections.push(`2-thread scaling of the machine (the same compute loop on 1 vs 2 threads): ${scaling.factor.toFixed(2)}×`);
  const speedups = of(results, 'speedup') as SpeedupResult[];
  if (speedups.length > 0) {
    const rows = speedups.map((s) => [
      `(${s.layer}) ${s.impl} N=${s.batch}`, `${s.speedup.toFixed(2)}×`, `${s.machineFactor.toFixed(2)}×`, `${s.percentOfScaling.toFixed(0)} %`,
    ]);
    sections.push(
      `GEMM convolutions, 2 workers vs 1 thread (forward + backward time), next to the compute loop timed in the same runs${tierNote}:\n` +
        formatTable(['layer', 'conv speed-up', 'machine', 'conv / machine'], rows),
    );
  }
  if (conv.length > 0) sections.push(targetsTable(conv, speedups));
  const gemm = of(results, 'gemm') as GemmResult[];
  const pool = of(results, 'pool') as PoolResult[];
  const [dispatch] = of(results, 'dispatch') as DispatchResult[];
  const kernelRows: string[][] = gemm.map((g) => [`gemm ${g.m}×${g.n}×${g.k}, ${g.workers === 1 ? '1 thread' : `${g.workers} workers`}`, `${g.gflops.toFixed(2)} GFLOP/s`]);
  for (const p of pool) {
    kernelRows.push([
      `${p.kind}-pool ${p.size}×${p.size}/${p.stride} (${p.shape.join('×')}) ${p.pass}, ${p.workers === 1 ? '1 thread' : `${p.workers} workers`}`,
      `${p.nsPerElement.toFixed(2)} ns/element`,
    ]);
  }
  if (dispatch) {
    kernelRows.push(['parallelFor hand-off, worker spinning', `${dispatch.hotMicroseconds.toFixed(1)} µs`]);
    kernelRows.push(['parallelFor hand-off, worker asleep', `${dispatch.coldMicroseconds.toFixed(1)} µs`]);
  }
  if (kernelRows.length > 0) sections.push(formatTable([`kernel${tierNote}`, 'median'], kernelRows));
  const trainSteps = of(results, 'train-step') as TrainStepResult[];
  if (trainSteps.length > 0) sections.push(trainStepTable(trainSteps, of(results, 'train-step-ratio'), machine?.tier ?? trainSteps[0].tier));
  const layerTimes = of(results, 'layer-times') as LayerTimesResult[];
  if (layerTimes.length > 0) sections.push(layerTimesTable(layerTimes));
  const batchNorm = of(results, 'batchnorm-step') as BatchNormStepResult[];
  if (batchNorm.length > 0) sections.push(batchNormTable(batchNorm));
  const tierSteps = of(results, 'tier-step') as TierStepResult[];
  if (tierSteps.length > 0) sections.push(tierTable(tierSteps));
  const skipped = of(results, 'skipped') as SkippedResult[];
  if (skipped.length > 0) sections.push(['not timed:', ...skipped.map((s) => `  ${s.what}: ${s.reason}`)].join('\n'));
  return sections.join('\n\n');
}
