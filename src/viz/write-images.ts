/**
 * Node-facing side of src/viz: turns the portable pixel buffers, SVG strings and HTML strings into
 * files. This is the only file in src/viz that touches node:* (through src/io): the rest runs in a
 * browser unchanged.
 *
 * Files are written atomically (src/io/atomic-write.ts), so a report refreshed while a run goes on is
 * never seen half-written.
 */
import { readFile } from 'node:fs/promises';
import { encodePng } from '../io/png.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import type { EncodePng } from './data-uri.ts';
import type { PixelImage } from './image-grid.ts';
import { parseMetricsJsonl, type ParsedMetrics } from './metrics.ts';
import { buildReport, type ReportInput } from './report.ts';

/** The PNG encoder of src/io/png.ts with default options, in the shape src/viz takes. */
export const nodePngEncoder: EncodePng = (image: PixelImage) => encodePng(image);

/** Writes an 8-bit HWC image (e.g. ImageGrid.image) as a PNG file. */
export async function writePng(filePath: string, image: PixelImage): Promise<void> {
  await writeFileAtomic(filePath, encodePng(image));
}

/** Writes an SVG string as a standalone .svg file (with the XML declaration). */
export async function writeSvg(filePath: string, svg: string): Promise<void> {
  await writeFileAtomic(filePath, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
}

/** Builds the report with Node's PNG encoder (unless one is given) and writes it as one HTML file. */
export async function writeReport(filePath: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(filePath, buildReport({ encodePng: nodePngEncoder, ...input }));
}

/** Reads and parses a metrics.jsonl file (format in metrics.ts). */
export async function readMetricsFile(filePath: string): Promise<ParsedMetrics> {
  return parseMetricsJsonl(await readFile(filePath, 'utf8'), filePath);
}
