/**
 * Progress display for training: on a terminal, one line redrawn in place —
 *
 *   epoch 3/10 [█████████░░░░░░░░░░░] 45%  1,832 ex/s  loss 1.284  ETA 2m05s
 *
 * — and otherwise (a pipe, a CI log) nothing per step: the plain per-epoch lines printed by the
 * command are enough and do not flood logs. Hand-written: a progress bar is a dozen lines.
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

export class ProgressBar {
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.enabled = Boolean(stream.isTTY);
  }

  /** Redraws at most 10 times a second. */
  update(p: { epoch: number; epochs: number; stepInEpoch: number; stepsPerEpoch: number; loss: number; examplesPerSecond: number; remainingExamples: number }): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && p.stepInEpoch < p.stepsPerEpoch) return;
    this.lastDraw = now;
    const width = 20;
    const fraction = p.stepInEpoch / p.stepsPerEpoch;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const eta = p.remainingExamples / Math.max(p.examplesPerSecond, 1e-9);
    const text =
      `epoch ${p.epoch + 1}/${p.epochs} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}%  ` +
      `${Math.round(p.examplesPerSecond).toLocaleString('en-US')} ex/s  loss ${p.loss.toFixed(3)}  ETA ${formatDuration(eta)}`;
    this.stream.write(`\r${text.padEnd((this.stream.columns ?? 100) - 1).slice(0, (this.stream.columns ?? 100) - 1)}`);
  }

  /** Clears the line before other output. */
  clear(): void {
    if (this.enabled) this.stream.write(`\r${' '.repeat((this.stream.columns ?? 100) - 1)}\r`);
  }
}
