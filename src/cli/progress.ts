/**
 * Progress display for training, in one of two modes chosen from the output stream:
 *
 * - Bar (a terminal whose width is known): one line redrawn in place with '\r', at most 10 times a
 *   second —
 *
 *     epoch 3/10 [█████████░░░░░░░░░░░] 45%  1,832 ex/s  loss 1.284  ETA 2m05s
 *
 * - Lines (a pipe, a file, a CI log, or a terminal that reports no usable width): a plain line after
 *   the first step — so the reader knows training started — and then one every `intervalSeconds`
 *   (default 10), never a '\r':
 *
 *     step 150  epoch 1/3 (10%)  loss 2.013  312 ex/s  ETA 4m10s
 *
 *   A time interval rather than a step interval: the log grows at the same pace on a fast machine and
 *   on a slow one, and a long silence always means something is wrong.
 *
 * Why the width matters: the bar pads and cuts its line to the terminal's width minus one (writing
 * into the last column makes some terminals wrap). Terminals inside editors and some CI runners
 * report 0 columns, or none; there the width is unknown, and the line mode is the safe choice.
 * Hand-written: a progress bar is a dozen lines.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/** Narrowest terminal the bar is drawn in: below this the bar's line would be cut to nonsense. */
export const MINIMUM_BAR_COLUMNS = 20;

/**
 * Characters the in-place bar may use on a terminal `columns` wide: columns − 1 (the last column is
 * left free so the cursor never wraps), or null when the width is unknown or too small for a bar —
 * undefined, NaN, 0, 1, … MINIMUM_BAR_COLUMNS − 1 — and progress goes out as plain lines instead.
 */
export function barLineWidth(columns: number | undefined): number | null {
  if (columns === undefined || !Number.isInteger(columns) || columns < MINIMUM_BAR_COLUMNS) return null;
  return columns - 1;
}

/** What the trainer's onProgress hook reports, plus what the command knows (epochs, examples left). */
export interface ProgressUpdate {
  /** Epoch in progress, 0-based, of `epochs`. */
  epoch: number;
  epochs: number;
  /** Steps done in this epoch (1…stepsPerEpoch). */
  stepInEpoch: number;
  stepsPerEpoch: number;
  loss: number;
  examplesPerSecond: number;
  remainingExamples: number;
  /** Seconds left of a training-time budget (--max-seconds), when there is one. */
  budgetSecondsLeft?: number;
}

/** The stream the progress goes to: a terminal (isTTY, columns) or anything else that can write. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Line mode: seconds between lines after the first; default 10. */
  intervalSeconds?: number;
  /** Milliseconds clock; default performance.now (a spec passes a fake one). */
  now?: () => number;
}

/** "ETA 2m05s": the time the remaining examples take at the current speed, or the budget left if sooner. */
function formatEta(p: ProgressUpdate): string {
  const seconds = p.remainingExamples / Math.max(p.examplesPerSecond, 1e-9);
  if (p.budgetSecondsLeft !== undefined && p.budgetSecondsLeft < seconds) return `ETA ${formatDuration(p.budgetSecondsLeft)} (time budget)`;
  return `ETA ${formatDuration(seconds)}`;
}

/** The line mode's text for one update (no newline); the step is counted from the epoch start. */
export function formatProgressLine(p: ProgressUpdate): string {
  const step = p.epoch * p.stepsPerEpoch + p.stepInEpoch;
  const percent = Math.floor((100 * p.stepInEpoch) / p.stepsPerEpoch);
  return (
    `step ${step}  epoch ${p.epoch + 1}/${p.epochs} (${percent}%)  loss ${p.loss.toFixed(3)}  ` +
    `${Math.round(p.examplesPerSecond).toLocaleString('en-US')} ex/s  ${formatEta(p)}`
  );
}

/** The bar mode's text for one update, before padding to the terminal width. */
export function formatProgressBar(p: ProgressUpdate): string {
  const width = 20;
  const fraction = p.stepInEpoch / p.stepsPerEpoch;
  const filled = Math.round(fraction * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return (
    `epoch ${p.epoch + 1}/${p.epochs} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}%  ` +
    `${Math.round(p.examplesPerSecond).toLocaleString('en-US')} ex/s  loss ${p.loss.toFixed(3)}  ${formatEta(p)}`
  );
}

export class ProgressBar {
  private lastDraw: number | undefined;
  private drawn = false;
  private readonly stream: ProgressStream;
  private readonly intervalMilliseconds: number;
  private readonly now: () => number;

  constructor(stream: ProgressStream = process.stderr, options: ProgressOptions = {}) {
    this.stream = stream;
    this.intervalMilliseconds = 1000 * (options.intervalSeconds ?? 10);
    this.now = options.now ?? (() => performance.now());
  }

  /** Width of the in-place bar, or null for line mode; read at every draw (terminals get resized). */
  private barWidth(): number | null {
    return this.stream.isTTY ? barLineWidth(this.stream.columns) : null;
  }

  /** Bar: redraws at most 10 times a second (and at an epoch's last step). Lines: see the module comment. */
  update(p: ProgressUpdate): void {
    const now = this.now();
    const width = this.barWidth();
    if (width === null) {
      if (this.lastDraw !== undefined && now - this.lastDraw < this.intervalMilliseconds) return;
      this.lastDraw = now;
      this.stream.write(`${this.drawn ? '\n' : ''}${formatProgressLine(p)}\n`);
      this.drawn = false;
      return;
    }
    if (this.lastDraw !== undefined && now - this.lastDraw < 100 && p.stepInEpoch < p.stepsPerEpoch) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r${formatProgressBar(p).padEnd(width).slice(0, width)}`);
  }

  /** Clears the bar's line before other output (nothing to clear in line mode). */
  clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    const width = this.barWidth();
    // A terminal that lost its width since the last draw: end the bar's line instead of blanking it.
    this.stream.write(width === null ? '\n' : `\r${' '.repeat(width)}\r`);
  }
}
