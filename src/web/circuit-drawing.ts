/// <reference lib="dom" />
/**
 * Draws a computational graph as a circuit diagram in SVG: gates as circles, wires as lines, and on
 * every wire the forward value (green, above) and the backward gradient dL/d(wire) (red, below), as
 * in the CS231n backpropagation notes.
 *
 * The numbers come straight from the library's GraphNodes (src/graph/): `node.value` after the
 * forward pass, `node.grad` after `backward(root)`. Each label carries the full-precision number in
 * `data-number` and a stable id (`<idPrefix>-<name>-value`, `<idPrefix>-<name>-grad`) for the browser spec.
 */
import type { GraphNode } from '../graph/node.ts';
import { formatNumber } from './page-common.ts';

const SVG = 'http://www.w3.org/2000/svg';

/** A point where wires start or end: an input's name, a gate, or the output. */
export interface CircuitPlace {
  x: number;
  y: number;
  /** Gate symbol (+, ×, σ); omitted for the inputs and the output, which are just wire ends. */
  gate?: string;
}

/** One wire: carries `node`'s value from `from` to `to`, labelled `name`. */
export interface CircuitWire {
  name: string;
  from: CircuitPlace;
  to: CircuitPlace;
  node: GraphNode;
}

const GATE_RADIUS = 22;

function make<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Replaces the content of `svg` with the circuit; `idPrefix` keeps the label ids of two circuits apart. */
export function drawCircuit(svg: SVGSVGElement, wires: readonly CircuitWire[], idPrefix: string): void {
  svg.replaceChildren();
  const gates = new Set<CircuitPlace>();
  for (const wire of wires) {
    // Lines stop at a gate's rim so the symbol stays readable.
    const dx = wire.to.x - wire.from.x;
    const dy = wire.to.y - wire.from.y;
    const length = Math.hypot(dx, dy);
    const startTrim = wire.from.gate ? GATE_RADIUS : 0;
    const endTrim = wire.to.gate ? GATE_RADIUS : 0;
    const x1 = wire.from.x + (dx * startTrim) / length;
    const y1 = wire.from.y + (dy * startTrim) / length;
    const x2 = wire.to.x - (dx * endTrim) / length;
    const y2 = wire.to.y - (dy * endTrim) / length;
    svg.append(make('line', { class: 'wire', x1, y1, x2, y2 }));
    const middleX = (x1 + x2) / 2;
    const middleY = (y1 + y2) / 2;
    const value = wire.node.value.data[0]!;
    const grad = wire.node.grad.data[0]!;
    svg.append(make('text', { class: 'value', id: `${idPrefix}-${wire.name}-value`, 'data-number': value, x: middleX - 30, y: middleY - 8 }, `${wire.name} = ${formatNumber(value)}`));
    svg.append(make('text', { class: 'grad', id: `${idPrefix}-${wire.name}-grad`, 'data-number': grad, x: middleX - 30, y: middleY + 20 }, formatNumber(grad)));
    if (wire.from.gate) gates.add(wire.from);
    if (wire.to.gate) gates.add(wire.to);
  }
  for (const gate of gates) {
    svg.append(make('circle', { class: 'gate', cx: gate.x, cy: gate.y, r: GATE_RADIUS }));
    svg.append(make('text', { class: 'gate-label', x: gate.x, y: gate.y + 1 }, gate.gate!));
  }
}
