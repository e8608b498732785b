/**
 * HTML pieces of the explain page (and of report.html's explain sections): rows of captioned
 * pictures, and the one-line reasons a part is missing. Pictures are PNG data: URIs, so the page stays
 * self-contained like report.html (report.ts).
 */
import type { EncodePng } from './data-uri.ts';
import { pngDataUri } from './data-uri.ts';
import type { PixelImage } from './image-grid.ts';
import { escapeXml } from './svg.ts';

export interface CaptionedPicture {
  readonly image: PixelImage;
  /** Plain text, escaped here; lines separated by '\n'. */
  readonly caption: string;
}

/** A wrapping row of <figure>s, each picture at its natural size with crisp pixels. */
export function pictureRowHtml(pictures: readonly CaptionedPicture[], encodePng: EncodePng): string {
  const figures = pictures.map(
    ({ image, caption }) =>
      `<figure class="grid"><img src="${pngDataUri(image, encodePng)}" width="${image.width}" height="${image.height}" ` +
      `alt="${escapeXml(caption.split('\n')[0])}" style="image-rendering:pixelated">` +
      `<figcaption>${caption.split('\n').map(escapeXml).join('<br>')}</figcaption></figure>`,
  );
  return `<div class="figures">\n${figures.join('\n')}\n</div>`;
}

/** A paragraph of text (escaped). */
export function paragraphHtml(text: string): string {
  return `<p>${escapeXml(text)}</p>`;
}

/** Why (part of) a section is absent: one line per reason, e.g. "ConfigError: the network has no conv layers". */
export function problemsHtml(problems: readonly string[]): string {
  if (problems.length === 0) return '';
  return `<div class="notes">${problems.map((problem) => `<p><strong>Not drawn:</strong> ${escapeXml(problem)}</p>`).join('\n')}</div>`;
}
