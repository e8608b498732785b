/**
 * A Keras-style summary table of a Net: one row per layer with its output shape and parameter count,
 * then the totals.
 *
 *   layer       type       output shape      parameters
 *   ─────────── ────────── ───────────────── ──────────
 *   input                  (3, 32, 32)                0
 *   conv1       conv       (16, 32, 32)           1,216
 *   ...
 *   total parameters: 7,402
 */
import type { Net } from './net.ts';

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[];
  parameters: number;
}

/** The rows of the summary: the input, then every layer. */
export function summaryRows(net: Net): SummaryRow[] {
  return [
    { name: 'input', type: '', outputShape: [...net.inputShape], parameters: 0 },
    ...net.layers.map((layer) => ({
      name: layer.name,
      type: layer.type,
      outputShape: [...layer.outputShape],
      parameters: layer.parameters().reduce((sum, p) => sum + p.value.size, 0),
    })),
  ];
}

/** The summary as aligned plain text. */
export function formatSummary(net: Net): string {
  const rows = summaryRows(net);
  const table = [
    ['layer', 'type', 'output shape', 'parameters'],
    ...rows.map((r) => [r.name, r.type, `(${r.outputShape.join(', ')})`, r.parameters.toLocaleString('en-US')]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const line = (row: string[]) =>
    row.map((cell, column) => (column === 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  const total = rows.reduce((sum, r) => sum + r.parameters, 0);
  return [
    line(table[0]),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...table.slice(1).map(line),
    '',
    `total parameters: ${total.toLocaleString('en-US')}`,
  ].join('\n');
}
