/**
 * Human output of a benchmark run: aligned tables with the ratios side by side. The same records
 * go out unchanged as JSON lines with --json (bench-command.ts).
 */
import type {
  BenchResult, ConvResult, DispatchResult, GemmResult, MachineResult, PoolResult, ScalingResult, SkippedResult,
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
  const conv = of(results, 'conv');
  if (conv.length > 0) {
    sections.push(`convolution, GFLOP/s (2·MACs per second; backward = dx + dW = 2× the forward work):\n${convTable(conv, layerNames)}`);
  }
  const [scaling] = of(results, 'scaling') as ScalingResult[];
  if (scaling) sections.push(`2-thread scaling of the machine (the same compute loop on 1 vs 2 threads): ${scaling.factor.toFixed(2)}×`);
  const speedups = of(results, 'speedup') as SpeedupResult[];
  if (speedups.length > 0) {
    const rows = speedups.map((s) => [
      `(${s.layer}) ${s.impl} N=${s.batch}`, `${s.speedup.toFixed(2)}×`, `${s.machineFactor.toFixed(2)}×`, `${s.percentOfScaling.toFixed(0)} %`,
    ]);
    sections.push(
      'GEMM convolutions, 2 workers vs 1 thread (forward + backward time), next to the compute loop timed in the same runs:\n' +
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
  if (kernelRows.length > 0) sections.push(formatTable(['kernel', 'median'], kernelRows));
  const skipped = of(results, 'skipped') as SkippedResult[];
  if (skipped.length > 0) sections.push(['not timed:', ...skipped.map((s) => `  ${s.what}: ${s.reason}`)].join('\n'));
  return sections.join('\n\n');
}
