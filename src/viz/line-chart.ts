/**
 * A small SVG line chart: axes with "nice" 1-2-5 ticks, grid lines, tick labels, axis labels, a
 * legend, and any number of series drawn as polylines (with optional point markers).
 *
 * Coordinates: the plot area is the rectangle (plotLeft, plotTop, plotWidth, plotHeight); a data point
 * (x, y) with axis domains [x0, x1] × [y0, y1] lands at
 *
 *   px = plotLeft + (x - x0)/(x1 - x0) · plotWidth
 *   py = plotTop + plotHeight - (y - y0)/(y1 - y0) · plotHeight      (y grows upwards)
 *
 * The root element carries data-x-domain, data-y-domain and the plot area (class "plot-area") so that
 * tests and tools can invert the mapping. A point with a non-finite x or y is a gap: the polyline is
 * split there, and no NaN ever reaches a coordinate. Points outside a fixed domain are clipped to the
 * plot area.
 */
import { FONT_FAMILY, PALETTE, coord, escapeXml, formatTick, niceTicks, textWidth, type Ticks } from './svg.ts';

export type Point = readonly [number, number];

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** CSS colour; default the palette colour of the series' index. */
  readonly color?: string;
  /** Stroke width in pixels; default 2. */
  readonly strokeWidth?: number;
  /** Stroke opacity in [0, 1]; default 1. */
  readonly opacity?: number;
  /** Draw a dot at every point (with a hover tooltip); default false. */
  readonly markers?: boolean;
  /** SVG stroke-dasharray, e.g. "6 4"; default solid. */
  readonly dash?: string;
  /** Leave this series out of the legend. */
  readonly hideInLegend?: boolean;
}

export interface VerticalMarker {
  readonly x: number;
  readonly label: string;
}

export interface LineChartOptions {
  readonly series: readonly Series[];
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Overall size in pixels; default 720 × 400. */
  readonly width?: number;
  readonly height?: number;
  /** Fixed domains; by default nice ticks around the finite data. */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** Smallest x tick step (1 for epochs, steps); default none. */
  readonly xMinimumStep?: number;
  /** Tick label formats; default formatTick (1-2-5 decimals, "20k"). */
  readonly xTickFormat?: (value: number, step: number) => string;
  readonly yTickFormat?: (value: number, step: number) => string;
  /** Thin dashed vertical lines with a small label at the top (e.g. epoch boundaries). */
  readonly verticalMarkers?: readonly VerticalMarker[];
  /** Text drawn in the middle of the plot when no series has a point. */
  readonly emptyMessage?: string;
}

const FONT_SIZE = 12;
const TITLE_SIZE = 15;

/** Ticks for [low, high] unless `fixed` is given; finite data bounds only. */
function axisTicks(values: readonly number[], fixed: readonly [number, number] | undefined, minimumStep = 0): Ticks {
  if (fixed) {
    const inner = niceTicks(fixed[0], fixed[1], 5, minimumStep);
    const values2 = inner.values.filter((value) => value >= fixed[0] - 1e-12 && value <= fixed[1] + 1e-12);
    return { min: fixed[0], max: fixed[1], step: inner.step, values: values2 };
  }
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low <= high ? niceTicks(low, high, 5, minimumStep) : niceTicks(0, 1, 5, minimumStep);
}

/** Splits points into runs of finite points: each run is drawn as one polyline. */
export function finiteRuns(points: readonly Point[]): Point[][] {
  const runs: Point[][] = [];
  let current: Point[] = [];
  for (const point of points) {
    if (Number.isFinite(point[0]) && Number.isFinite(point[1])) {
      current.push(point);
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** Renders the chart described by `options` as a standalone SVG document (no XML prolog). */
export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const xTicks = axisTicks(options.series.flatMap((series) => series.points.map((p) => p[0])), options.xDomain, options.xMinimumStep);
  const yTicks = axisTicks(options.series.flatMap((series) => series.points.map((p) => p[1])), options.yDomain);
  const xFormat = options.xTickFormat ?? formatTick;
  const yFormat = options.yTickFormat ?? formatTick;
  const yTickLabels = yTicks.values.map((value) => yFormat(value, yTicks.step));
  const legendSeries = options.series
    .map((series, index) => ({ series, color: series.color ?? PALETTE[index % PALETTE.length]! }))
    .filter(({ series }) => !series.hideInLegend);

  // Margins: title and legend band on top; y tick labels and the rotated y label on the left.
  const titleBand = options.title ? 30 : 8;
  const legendBand = legendSeries.length > 0 ? 24 : 0;
  const plotTop = titleBand + legendBand + 10;
  const plotLeft = Math.ceil(Math.max(...yTickLabels.map((label) => textWidth(label, FONT_SIZE)), 10)) + 10 + 28;
  const plotRight = width - 24;
  const plotBottom = height - 48;
  const plotWidth = plotRight - plotLeft;
  const plotHeight = plotBottom - plotTop;
  const xSpan = xTicks.max - xTicks.min || 1;
  const ySpan = yTicks.max - yTicks.min || 1;
  const px = (x: number) => plotLeft + ((x - xTicks.min) / xSpan) * plotWidth;
  const py = (y: number) => plotTop + plotHeight - ((y - yTicks.min) / ySpan) * plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${escapeXml(FONT_FAMILY)}" font-size="${FONT_SIZE}" ` +
      `data-x-domain="${xTicks.min} ${xTicks.max}" data-y-domain="${yTicks.min} ${yTicks.max}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  const clipId = `plot-clip-${Math.abs(hashString(`${options.title ?? ''}|${options.xLabel}|${options.yLabel}`))}`;
  out.push(
    `<defs><clipPath id="${clipId}"><rect x="${coord(plotLeft)}" y="${coord(plotTop - 2)}" ` +
      `width="${coord(plotWidth)}" height="${coord(plotHeight + 4)}"/></clipPath></defs>`,
  );
  if (options.title) {
    out.push(`<text x="${coord(plotLeft)}" y="20" font-size="${TITLE_SIZE}" font-weight="600" fill="#222">${escapeXml(options.title)}</text>`);
  }

  // Legend: a row of swatches and names, left-aligned with the plot.
  let legendX = plotLeft;
  const legendY = titleBand + 14;
  out.push(`<g class="legend" fill="#333">`);
  for (const { series, color } of legendSeries) {
    out.push(
      `<line x1="${coord(legendX)}" y1="${coord(legendY - 4)}" x2="${coord(legendX + 22)}" y2="${coord(legendY - 4)}" ` +
        `stroke="${escapeXml(color)}" stroke-width="${Math.max(2, series.strokeWidth ?? 2)}"` +
        `${series.opacity !== undefined ? ` stroke-opacity="${coord(Math.max(series.opacity, 0.5))}"` : ''}` +
        `${series.dash ? ` stroke-dasharray="${escapeXml(series.dash)}"` : ''}/>`,
    );
    out.push(`<text x="${coord(legendX + 28)}" y="${coord(legendY)}">${escapeXml(series.name)}</text>`);
    legendX += 28 + textWidth(series.name, FONT_SIZE) + 22;
  }
  out.push(`</g>`);

  // Grid lines, ticks and tick labels.
  out.push(`<g class="grid" stroke="#e6e6e6" stroke-width="1">`);
  for (const value of yTicks.values) out.push(`<line x1="${coord(plotLeft)}" y1="${coord(py(value))}" x2="${coord(plotRight)}" y2="${coord(py(value))}"/>`);
  for (const value of xTicks.values) out.push(`<line x1="${coord(px(value))}" y1="${coord(plotTop)}" x2="${coord(px(value))}" y2="${coord(plotBottom)}"/>`);
  out.push(`</g>`);
  out.push(`<rect class="plot-area" x="${coord(plotLeft)}" y="${coord(plotTop)}" width="${coord(plotWidth)}" height="${coord(plotHeight)}" fill="none" stroke="#999"/>`);
  out.push(`<g class="y-ticks" fill="#444" text-anchor="end">`);
  yTicks.values.forEach((value, index) => {
    out.push(`<line x1="${coord(plotLeft - 5)}" y1="${coord(py(value))}" x2="${coord(plotLeft)}" y2="${coord(py(value))}" stroke="#999"/>`);
    out.push(`<text x="${coord(plotLeft - 8)}" y="${coord(py(value) + FONT_SIZE * 0.35)}">${escapeXml(yTickLabels[index]!)}</text>`);
  });
  out.push(`</g>`);
  out.push(`<g class="x-ticks" fill="#444" text-anchor="middle">`);
  for (const value of xTicks.values) {
    out.push(`<line x1="${coord(px(value))}" y1="${coord(plotBottom)}" x2="${coord(px(value))}" y2="${coord(plotBottom + 5)}" stroke="#999"/>`);
    out.push(`<text x="${coord(px(value))}" y="${coord(plotBottom + 8 + FONT_SIZE)}">${escapeXml(xFormat(value, xTicks.step))}</text>`);
  }
  out.push(`</g>`);
  out.push(`<text class="x-label" x="${coord(plotLeft + plotWidth / 2)}" y="${coord(height - 10)}" text-anchor="middle" fill="#222">${escapeXml(options.xLabel)}</text>`);
  out.push(
    `<text class="y-label" x="0" y="0" transform="translate(${coord(16)} ${coord(plotTop + plotHeight / 2)}) rotate(-90)" ` +
      `text-anchor="middle" fill="#222">${escapeXml(options.yLabel)}</text>`,
  );

  // Vertical markers, then the series on top of everything.
  const markers = (options.verticalMarkers ?? []).filter((marker) => Number.isFinite(marker.x) && marker.x >= xTicks.min && marker.x <= xTicks.max);
  if (markers.length > 0) {
    out.push(`<g class="markers" stroke="#b0b0b0" stroke-dasharray="3 3" fill="#888" font-size="10" text-anchor="end">`);
    for (const marker of markers) {
      out.push(`<line x1="${coord(px(marker.x))}" y1="${coord(plotTop)}" x2="${coord(px(marker.x))}" y2="${coord(plotBottom)}"/>`);
      out.push(`<text x="${coord(px(marker.x) - 3)}" y="${coord(plotTop + 11)}" stroke="none">${escapeXml(marker.label)}</text>`);
    }
    out.push(`</g>`);
  }
  let anyPoint = false;
  options.series.forEach((series, index) => {
    const color = series.color ?? PALETTE[index % PALETTE.length]!;
    const runs = finiteRuns(series.points);
    if (runs.length > 0) anyPoint = true;
    out.push(`<g class="series" data-name="${escapeXml(series.name)}" clip-path="url(#${clipId})">`);
    for (const run of runs) {
      const points = run.map(([x, y]) => `${coord(px(x))},${coord(py(y))}`).join(' ');
      out.push(
        `<polyline points="${points}" fill="none" stroke="${escapeXml(color)}" stroke-width="${series.strokeWidth ?? 2}" ` +
          `stroke-linejoin="round" stroke-linecap="round"` +
          `${series.opacity !== undefined ? ` stroke-opacity="${coord(series.opacity)}"` : ''}` +
          `${series.dash ? ` stroke-dasharray="${escapeXml(series.dash)}"` : ''}/>`,
      );
      if (series.markers) {
        for (const [x, y] of run) {
          out.push(
            `<circle cx="${coord(px(x))}" cy="${coord(py(y))}" r="3.5" fill="${escapeXml(color)}" stroke="#fff" stroke-width="1">` +
              `<title>${escapeXml(`${series.name}: ${formatTick(x, xTicks.step)} → ${yFormat(y, yTicks.step / 10)}`)}</title></circle>`,
          );
        }
      }
    }
    out.push(`</g>`);
  });
  if (!anyPoint) {
    out.push(
      `<text x="${coord(plotLeft + plotWidth / 2)}" y="${coord(plotTop + plotHeight / 2)}" text-anchor="middle" fill="#888">` +
        `${escapeXml(options.emptyMessage ?? 'no data')}</text>`,
    );
  }
  out.push(`</svg>`);
  return out.join('\n');
}

/** A small deterministic string hash (FNV-1a), so two charts inlined in one page get distinct ids. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
