/**
 * Helpers for chart specs (not a spec itself): read a chart SVG back into numbers, so specs can check
 * that each data point landed where the documented mapping says.
 */
import assert from 'node:assert/strict';
import { attribute, findElements, parseXml, type XmlElement } from './xml-check.ts';

export interface ChartGeometry {
  readonly root: XmlElement;
  readonly xDomain: [number, number];
  readonly yDomain: [number, number];
  readonly plot: { x: number; y: number; width: number; height: number };
  /** Data (x, y) → pixel (px, py), per the mapping documented in line-chart.ts. */
  toPixel(x: number, y: number): [number, number];
}

export function chartGeometry(svg: string): ChartGeometry {
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  const [x0, x1] = attribute(root, 'data-x-domain').split(' ').map(Number) as [number, number];
  const [y0, y1] = attribute(root, 'data-y-domain').split(' ').map(Number) as [number, number];
  const area = findElements(root, 'rect').find((rect) => rect.attributes.get('class') === 'plot-area');
  assert.ok(area, 'chart has a plot-area rect');
  const plot = {
    x: Number(attribute(area, 'x')),
    y: Number(attribute(area, 'y')),
    width: Number(attribute(area, 'width')),
    height: Number(attribute(area, 'height')),
  };
  return {
    root,
    xDomain: [x0, x1],
    yDomain: [y0, y1],
    plot,
    toPixel: (x, y) => [
      plot.x + ((x - x0) / (x1 - x0)) * plot.width,
      plot.y + plot.height - ((y - y0) / (y1 - y0)) * plot.height,
    ],
  };
}

/** The polylines of the series named `name`, each as a list of [px, py]. */
export function seriesPolylines(root: XmlElement, name: string): [number, number][][] {
  const group = findElements(root, 'g').find((g) => g.attributes.get('class') === 'series' && g.attributes.get('data-name') === name);
  assert.ok(group, `series '${name}' is drawn`);
  return findElements(group, 'polyline').map((line) =>
    attribute(line, 'points')
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

/** Every number in every coordinate-like attribute must be finite. */
export function assertFiniteCoordinates(root: XmlElement): void {
  const numeric = ['x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'width', 'height', 'points', 'transform', 'viewBox'];
  const visit = (element: XmlElement) => {
    for (const name of numeric) {
      const value = element.attributes.get(name);
      if (value === undefined || value.endsWith('%')) continue;
      for (const token of value.match(/-?[\d.]+(e[-+]?\d+)?|NaN|Infinity/g) ?? []) {
        assert.ok(Number.isFinite(Number(token)), `<${element.name} ${name}="${value}"> holds ${token}`);
      }
    }
    for (const child of element.children) if (typeof child !== 'string') visit(child);
  };
  visit(root);
}
