/**
 * Confusion matrix: which classes the model mixes up.
 *
 * counts[t*K + p] = number of examples of true class t that the model predicted as class p, for K
 * classes; row = true class, column = predicted class, so the diagonal holds the correct answers and
 * row t sums to the number of examples of class t. CIFAR-10 models typically confuse cat with dog
 * and automobile with truck: the off-diagonal cells show it.
 *
 * The heat map colours each cell by its share of its row (the fraction of class t predicted as p),
 * so rare and common classes read alike; the count itself is printed in the cell. A last column gives
 * each class's recall (diagonal / row sum).
 */
import { DataError, ShapeError } from '../errors.ts';
import { FONT_FAMILY, coord, escapeXml, textWidth } from './svg.ts';

/** Counts (K × K, row-major, row = true class) from paired label lists. */
export function confusionCounts(
  trueLabels: ArrayLike<number>,
  predictedLabels: ArrayLike<number>,
  classCount: number,
): Int32Array {
  if (trueLabels.length !== predictedLabels.length) {
    throw new ShapeError(
      `confusionCounts: ${trueLabels.length} true labels but ${predictedLabels.length} predicted labels; they must pair up`,
    );
  }
  const counts = new Int32Array(classCount * classCount);
  for (let i = 0; i < trueLabels.length; i++) {
    const actual = trueLabels[i]!;
    const predicted = predictedLabels[i]!;
    for (const [label, which] of [[actual, 'true'], [predicted, 'predicted']] as const) {
      if (!Number.isInteger(label) || label < 0 || label >= classCount) {
        throw new DataError(`confusionCounts: ${which} label ${label} at index ${i} is not a class index in [0, ${classCount})`);
      }
    }
    counts[actual * classCount + predicted]!++;
  }
  return counts;
}

export interface ConfusionInput {
  readonly trueLabels: ArrayLike<number>;
  readonly predictedLabels: ArrayLike<number>;
  readonly classNames: readonly string[];
}

/**
 * Cell colour for a row share in [0, 1]: from white through light blue to dark blue
 * (linear interpolation in RGB between three stops).
 */
export function heatColor(share: number): string {
  const stops: [number, number, number][] = [[255, 255, 255], [158, 202, 225], [8, 69, 148]];
  const t = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0)) * 2;
  const index = Math.min(1, Math.floor(t));
  const local = t - index;
  const from = stops[index]!;
  const to = stops[index + 1]!;
  const channel = (c: number) => Math.round(from[c]! + (to[c]! - from[c]!) * local).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** The confusion matrix of `input` as an SVG heat map with counts, class names and per-class recall. */
export function confusionMatrixSvg(input: ConfusionInput, title = 'Confusion matrix'): string {
  const classCount = input.classNames.length;
  const counts = confusionCounts(input.trueLabels, input.predictedLabels, classCount);
  const total = input.trueLabels.length;
  let correct = 0;
  for (let k = 0; k < classCount; k++) correct += counts[k * classCount + k]!;
  let maxCount = 1;
  for (const count of counts) if (count > maxCount) maxCount = count;

  const fontSize = 12;
  const cell = Math.max(34, Math.min(56, textWidth(String(maxCount), 11) + 14));
  const nameWidth = Math.ceil(Math.max(...input.classNames.map((name) => textWidth(name, fontSize)), 20));
  // Predicted names are written at -45° above the columns; their height is about width·sin 45°.
  const topNames = Math.ceil(nameWidth * 0.71) + 14;
  const left = 32 + nameWidth + 10;
  const top = 34 + 20 + topNames;
  const recallWidth = 64;
  // The last column's slanted name may reach past the recall column: make room for it.
  const width = Math.ceil(
    Math.max(left + classCount * cell + recallWidth, left + (classCount - 0.5) * cell + nameWidth * 0.71 + 8) + 16,
  );
  const height = top + classCount * cell + 16;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${coord(width)}" height="${coord(height)}" ` +
      `viewBox="0 0 ${coord(width)} ${coord(height)}" font-family="${escapeXml(FONT_FAMILY)}" font-size="${fontSize}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  const accuracy = total > 0 ? ` · accuracy ${((100 * correct) / total).toFixed(1)}% of ${total}` : ' · no examples';
  out.push(`<text x="12" y="22" font-size="15" font-weight="600" fill="#222">${escapeXml(title + accuracy)}</text>`);
  out.push(`<text x="${coord(left + (classCount * cell) / 2)}" y="46" text-anchor="middle" fill="#222">predicted class</text>`);
  out.push(
    `<text x="0" y="0" transform="translate(18 ${coord(top + (classCount * cell) / 2)}) rotate(-90)" text-anchor="middle" fill="#222">true class</text>`,
  );

  out.push(`<g class="column-names" fill="#333">`);
  input.classNames.forEach((name, p) => {
    const x = left + p * cell + cell / 2;
    out.push(`<text x="0" y="0" transform="translate(${coord(x + 4)} ${coord(top - 6)}) rotate(-45)">${escapeXml(name)}</text>`);
  });
  out.push(`</g><g class="row-names" fill="#333" text-anchor="end">`);
  input.classNames.forEach((name, t) => {
    out.push(`<text x="${coord(left - 8)}" y="${coord(top + t * cell + cell / 2 + fontSize * 0.35)}">${escapeXml(name)}</text>`);
  });
  out.push(`</g>`);

  out.push(`<g class="cells" text-anchor="middle" font-size="11">`);
  for (let t = 0; t < classCount; t++) {
    let rowSum = 0;
    for (let p = 0; p < classCount; p++) rowSum += counts[t * classCount + p]!;
    for (let p = 0; p < classCount; p++) {
      const count = counts[t * classCount + p]!;
      const share = rowSum > 0 ? count / rowSum : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      out.push(
        `<g class="cell" data-true="${t}" data-predicted="${p}"><rect x="${coord(x)}" y="${coord(y)}" width="${coord(cell)}" ` +
          `height="${coord(cell)}" fill="${heatColor(share)}" stroke="${t === p ? '#555' : '#ddd'}"/>` +
          `<text x="${coord(x + cell / 2)}" y="${coord(y + cell / 2 + 4)}" fill="${share > 0.55 ? '#fff' : '#222'}"` +
          `${t === p ? ' font-weight="600"' : ''}>${count}</text>` +
          `<title>${escapeXml(`true ${input.classNames[t]}, predicted ${input.classNames[p]}: ${count}`)}</title></g>`,
      );
    }
    const recall = rowSum > 0 ? `${((100 * counts[t * classCount + t]!) / rowSum).toFixed(1)}%` : '–';
    out.push(
      `<text class="recall" x="${coord(left + classCount * cell + recallWidth - 8)}" y="${coord(top + t * cell + cell / 2 + 4)}" ` +
        `text-anchor="end" fill="#555">${recall}</text>`,
    );
  }
  out.push(`</g>`);
  out.push(
    `<text x="${coord(left + classCount * cell + recallWidth - 8)}" y="${coord(top - 6)}" text-anchor="end" fill="#555" font-size="11">recall</text>`,
  );
  out.push(`</svg>`);
  return out.join('\n');
}
