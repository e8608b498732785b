/**
 * Wrappers that put text around an image grid: PNG pictures carry no text, so captions, row and
 * column labels and titles go in an SVG (or HTML) that embeds the grid's PNG as a data: URI.
 *
 * SVG layout (pixels): a title band on top, then a band of column labels, then the grid picture with
 * row labels to its left. Captions sit centred in the grid's own caption strips (build the grid with
 * GridOptions.captionSpace ≥ 1.6 × fontSize to make room for them).
 */
import type { ImageGrid } from './image-grid.ts';
import { FONT_FAMILY, coord, escapeXml, textWidth } from './svg.ts';

export interface GridSvgOptions {
  /** Heading drawn above the grid. */
  readonly title?: string;
  /** One caption per tile, centred in the caption strip under it. */
  readonly captions?: readonly string[];
  /** One label per grid row, right-aligned to the left of the row. */
  readonly rowLabels?: readonly string[];
  /** One label per grid column, centred above the column. */
  readonly columnLabels?: readonly string[];
  /** Font size of captions and labels, in pixels; the title is 1.25× larger. Default 12. */
  readonly fontSize?: number;
}

/** A <text> element; long text is squeezed with textLength so it never spills over `maxWidth`. */
function textElement(
  text: string,
  x: number,
  y: number,
  fontSize: number,
  anchor: 'start' | 'middle' | 'end',
  maxWidth: number,
  extra = '',
): string {
  const squeeze =
    textWidth(text, fontSize) > maxWidth && maxWidth > 0
      ? ` textLength="${coord(maxWidth)}" lengthAdjust="spacingAndGlyphs"`
      : '';
  return (
    `<text x="${coord(x)}" y="${coord(y)}" font-size="${coord(fontSize)}" text-anchor="${anchor}"` +
    `${squeeze}${extra}>${escapeXml(text)}</text>`
  );
}

/**
 * An SVG document showing `grid` (its PNG given as `imageUri`, usually a data: URI) with the title,
 * captions and labels of `options`. Returns the SVG text, starting with the <svg> element (no XML
 * prolog, so it can also be inlined in HTML).
 */
export function gridSvg(grid: ImageGrid, imageUri: string, options: GridSvgOptions = {}): string {
  const fontSize = options.fontSize ?? 12;
  const titleSize = fontSize * 1.25;
  const gap = Math.round(fontSize * 0.6);
  const titleBand = options.title ? Math.round(titleSize * 1.8) : 0;
  const columnBand = options.columnLabels ? Math.round(fontSize * 1.6) : 0;
  const rowLabelWidth = options.rowLabels
    ? Math.ceil(Math.max(...options.rowLabels.map((label) => textWidth(label, fontSize)))) + gap
    : 0;
  const left = rowLabelWidth + (options.rowLabels ? gap : 0);
  const top = titleBand + columnBand;
  const width = Math.max(left + grid.image.width, options.title ? textWidth(options.title, titleSize) + 2 * gap : 0);
  const height = top + grid.image.height;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${coord(width)}" height="${coord(height)}" viewBox="0 0 ${coord(width)} ${coord(height)}" ` +
      `font-family="${escapeXml(FONT_FAMILY)}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (options.title) {
    parts.push(textElement(options.title, gap, titleSize * 1.3, titleSize, 'start', width - 2 * gap, ' font-weight="600" fill="#222"'));
  }
  parts.push(
    `<image x="${coord(left)}" y="${coord(top)}" width="${grid.image.width}" height="${grid.image.height}" ` +
      `preserveAspectRatio="none" style="image-rendering:pixelated" href="${escapeXml(imageUri)}" ` +
      `xlink:href="${escapeXml(imageUri)}"/>`,
  );
  parts.push(`<g fill="#333">`);
  if (options.captions) {
    options.captions.forEach((caption, index) => {
      const tile = grid.tiles[index];
      if (!tile) return;
      const y = top + tile.y + tile.height + Math.max(grid.captionSpace, fontSize * 1.4) / 2 + fontSize * 0.35;
      parts.push(textElement(caption, left + tile.x + tile.width / 2, y, fontSize, 'middle', tile.width + 2));
    });
  }
  if (options.columnLabels) {
    options.columnLabels.forEach((label, column) => {
      const tile = grid.tiles[column];
      if (!tile) return;
      parts.push(textElement(label, left + tile.x + tile.width / 2, titleBand + columnBand - gap / 2, fontSize, 'middle', tile.width + 2));
    });
  }
  if (options.rowLabels) {
    options.rowLabels.forEach((label, row) => {
      const tile = grid.tiles[row * grid.columns];
      if (!tile) return;
      parts.push(textElement(label, left - gap, top + tile.y + tile.height / 2 + fontSize * 0.35, fontSize, 'end', rowLabelWidth));
    });
  }
  parts.push(`</g>`);
  parts.push(`</svg>`);
  return parts.join('\n');
}

/**
 * An HTML <figure> holding the grid picture (`imageUri`) at its natural size with crisp pixels, and
 * `caption` (plain text, escaped) under it. `alt` describes the picture for screen readers.
 */
export function gridFigureHtml(grid: ImageGrid, imageUri: string, caption: string, alt = caption): string {
  return (
    `<figure class="grid">` +
    `<img src="${escapeXml(imageUri)}" width="${grid.image.width}" height="${grid.image.height}" ` +
    `alt="${escapeXml(alt)}" style="image-rendering:pixelated">` +
    `<figcaption>${escapeXml(caption)}</figcaption></figure>`
  );
}
