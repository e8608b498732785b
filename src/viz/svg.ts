/**
 * Small helpers shared by every SVG and HTML writer in src/viz: text escaping, number formatting for
 * coordinates and tick labels, "nice" axis ticks, and the house font and palette.
 *
 * Everything here is pure string arithmetic, so the pictures can be produced in a browser as well as
 * in Node.
 */

/** Font stack for all text: the system UI font where there is one, DejaVu Sans on bare Linux. */
export const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif";

/** Monospace stack for preformatted text (model summaries, numbers in tables). */
export const MONO_FAMILY = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace";

/**
 * Ten distinguishable colours (the Tableau 10 palette), used in order for chart series.
 * Blue and orange first: they stay apart for the common kinds of colour blindness.
 */
export const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1',
  '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac',
] as const;

/**
 * Escapes text for XML/HTML content and attribute values: & < > " ' become entities, and control
 * characters XML 1.0 forbids (everything below U+0020 except tab, newline, carriage return) are
 * dropped. Safe for both element text and quoted attributes.
 */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Formats a coordinate with at most two decimals and no trailing zeros ("12.5", "3", "-0.25").
 * Throws on NaN or ±Infinity: a coordinate like that is a bug upstream, and an SVG holding one
 * silently draws nothing.
 */
export function coord(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`svg: non-finite coordinate ${value}`);
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** Number of decimals needed to print multiples of `step` exactly: 0.25 → 2, 5 → 0. */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  let decimals = 0;
  while (decimals < 12 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-9 * 10 ** decimals) {
    decimals++;
  }
  return decimals;
}

/**
 * Formats an axis tick value with the decimals its step needs; thousands as "k" and millions as "M"
 * once the step is a whole multiple of them (20000 → "20k"), so labels stay short.
 */
export function formatTick(value: number, step: number): string {
  if (step >= 1e6 && Math.abs(value) >= 1e6) return `${formatTick(value / 1e6, step / 1e6)}M`;
  if (step >= 1e3 && Math.abs(value) >= 1e3) return `${formatTick(value / 1e3, step / 1e3)}k`;
  const text = value.toFixed(decimalsFor(step));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Formats a measured value for a caption with `digits` significant digits ("0.0123", "1.23e+5"). */
export function formatValue(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

export interface Ticks {
  /** The axis domain, widened to whole steps: [first tick, last tick]. */
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly values: readonly number[];
}

/**
 * "Nice" ticks for the data range [low, high]: the step is 1, 2 or 5 times a power of ten, chosen so
 * that there are about `target` intervals, and the domain is widened outwards to whole steps:
 *
 *   rough = (high - low)/target,  k = floor(log10(rough)),
 *   step  = the one of {1, 2, 5, 10}·10^k whose interval count (high - low)/step is closest to target,
 *   min = floor(low/step)·step,   max = ceil(high/step)·step.
 *
 * An empty range (low = high) is widened to low ± 1 (or ±|low|/10 for large values) so that a
 * constant series still gets an axis. Non-finite bounds fall back to [0, 1]. `minimumStep` bounds the
 * step from below (1 for axes that count whole things, like epochs).
 */
export function niceTicks(low: number, high: number, target = 5, minimumStep = 0): Ticks {
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    low = 0;
    high = 1;
  }
  if (low > high) [low, high] = [high, low];
  if (low === high) {
    const spread = Math.abs(low) > 10 ? Math.abs(low) / 10 : 1;
    low -= spread;
    high += spread;
  }
  const rough = (high - low) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(rough));
  // Of the 1-2-5 candidates around `rough`, take the one whose interval count is closest to target.
  const span = high - low;
  let nice = power;
  for (const multiple of [1, 2, 5, 10]) {
    const candidate = multiple * power;
    if (Math.abs(span / candidate - target) < Math.abs(span / nice - target)) nice = candidate;
  }
  const step = Math.max(nice, minimumStep);
  const decimals = decimalsFor(step);
  const clean = (value: number) => Number(value.toFixed(Math.min(20, decimals + 1)));
  const first = Math.floor(low / step + 1e-9);
  const last = Math.ceil(high / step - 1e-9);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(clean(i * step));
  return { min: values[0]!, max: values[values.length - 1]!, step, values };
}

/** Rough width in pixels of `text` in the sans font at `fontSize`, for laying out margins. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}
