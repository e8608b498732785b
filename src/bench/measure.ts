/**
 * Timing for the benchmarks: medians of repeated runs, after warm-up, with the cases interleaved.
 *
 * - Warm-up runs let V8 optimise the code (and let a pool start its threads) before any timing.
 * - A run repeats its call enough times to last at least `minRunMilliseconds`, so that a 50 µs
 *   forward pass is not measured against the timer's own jitter.
 * - The median of the runs, not the mean: on a shared machine one run in ten loses its core for a
 *   while, and the median ignores that run where the mean would not.
 * - Interleaving: when two cases are compared (1 thread against 2), their runs alternate, so a
 *   change of machine load during the measurement hits both cases alike instead of biasing the ratio.
 */

export interface TimingOptions {
  /** Calls before the timed runs (≥ 1; the last one also sizes the runs). */
  readonly warmupRuns: number;
  /** Timed runs; the median is reported. */
  readonly runs: number;
  /** Each run repeats its call until it lasts at least this long. */
  readonly minRunMilliseconds: number;
}

export const FULL_TIMING: TimingOptions = { warmupRuns: 2, runs: 7, minRunMilliseconds: 40 };
export const QUICK_TIMING: TimingOptions = { warmupRuns: 1, runs: 3, minRunMilliseconds: 5 };

/** A benchmarked call. `prepare` (untimed) runs before every timed call, e.g. a forward before a backward. */
export interface TimedCase {
  readonly run: () => void;
  readonly prepare?: () => void;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Seconds taken by `calls` calls of the case (prepare excluded). */
function timeCalls(timed: TimedCase, calls: number): number {
  let seconds = 0;
  if (!timed.prepare) {
    const started = performance.now();
    for (let call = 0; call < calls; call++) timed.run();
    return (performance.now() - started) / 1000;
  }
  for (let call = 0; call < calls; call++) {
    timed.prepare();
    const started = performance.now();
    timed.run();
    seconds += (performance.now() - started) / 1000;
  }
  return seconds;
}

/**
 * Median seconds per call of each case, the cases' runs interleaved (see the header).
 * `runs` overrides options.runs (fewer runs for a slow reference implementation).
 */
export function measureInterleaved(cases: readonly TimedCase[], options: TimingOptions, runs = options.runs): number[] {
  const callsPerRun = cases.map((timed) => {
    // The last warm-up call is timed, to size the runs.
    for (let warmup = 1; warmup < options.warmupRuns; warmup++) timeCalls(timed, 1);
    const once = timeCalls(timed, 1);
    return Math.max(1, Math.ceil(options.minRunMilliseconds / 1000 / Math.max(once, 1e-7)));
  });
  const samples: number[][] = cases.map(() => []);
  for (let run = 0; run < runs; run++) {
    cases.forEach((timed, index) => {
      samples[index].push(timeCalls(timed, callsPerRun[index]) / callsPerRun[index]);
    });
  }
  return samples.map(median);
}

/** Median seconds per call of one case. */
export function measure(timed: TimedCase, options: TimingOptions, runs = options.runs): number {
  return measureInterleaved([timed], options, runs)[0];
}
