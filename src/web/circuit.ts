/// <reference lib="dom" />
/**
 * The Circuit page: the lecture's two worked examples of backpropagation, computed by the library's
 * graph (src/graph/) and drawn on the wires.
 *
 *   f(x, y, z) = (x + y)·z           q = x + y, f = q·z
 *     ∂f/∂z = q,  ∂f/∂q = z,  ∂f/∂x = ∂f/∂y = z·1       (x=-2, y=5, z=-4 → f=-12, ∂f/∂x=∂f/∂y=-4, ∂f/∂z=3)
 *   f(w, x) = σ(w0·x0 + w1·x1 + w2)   a sigmoid neuron: ∂f/∂wi = σ(1−σ)·xi
 *     (w=[2,-3,-3], x=[-1,-2] → f=0.73, ∂f/∂x=[0.39,-0.59], ∂f/∂w=[-0.2,-0.39,0.2])
 *
 * Editing an input rebuilds the graph (forward), runs `backward` from f and redraws; an input that
 * is not a number shows a message and leaves the last good drawing on screen.
 */
import { backward, variable } from '../graph/node.ts';
import type { GraphNode } from '../graph/node.ts';
import { add, multiply, sigmoid } from '../graph/ops.ts';
import { drawCircuit } from './circuit-drawing.ts';
import type { CircuitPlace, CircuitWire } from './circuit-drawing.ts';
import { element, readNumber, showError } from './page-common.ts';

/** Reads the named number fields; throws a RangeError naming the first bad one. */
function readInputs(names: readonly string[]): Record<string, GraphNode> {
  const nodes: Record<string, GraphNode> = {};
  for (const name of names) nodes[name] = variable(readNumber(element(`input-${name}`, HTMLInputElement), name));
  return nodes;
}

function drawSumTimes(): void {
  const { x, y, z } = readInputs(['x', 'y', 'z']);
  const q = add(x!, y!);
  const f = multiply(q, z!);
  backward(f);
  const at = (px: number, py: number, gate?: string): CircuitPlace => ({ x: px, y: py, ...(gate ? { gate } : {}) });
  const addGate = at(300, 95, '+');
  const multiplyGate = at(520, 160, '×');
  const wires: CircuitWire[] = [
    { name: 'x', from: at(40, 45), to: addGate, node: x! },
    { name: 'y', from: at(40, 150), to: addGate, node: y! },
    { name: 'q', from: addGate, to: multiplyGate, node: q },
    { name: 'z', from: at(40, 240), to: multiplyGate, node: z! },
    { name: 'f', from: multiplyGate, to: at(740, 160), node: f },
  ];
  drawCircuit(element('circuit-sum-times', SVGSVGElement), wires, 'wire');
}

function drawNeuron(): void {
  const { w0, x0, w1, x1, w2 } = readInputs(['w0', 'x0', 'w1', 'x1', 'w2']);
  const product0 = multiply(w0!, x0!);
  const product1 = multiply(w1!, x1!);
  const partial = add(product0, product1);
  const sum = add(partial, w2!);
  const f = sigmoid(sum);
  backward(f);
  const at = (px: number, py: number, gate?: string): CircuitPlace => ({ x: px, y: py, ...(gate ? { gate } : {}) });
  const times0 = at(230, 70, '×');
  const times1 = at(230, 215, '×');
  const plus0 = at(400, 145, '+');
  const plus1 = at(560, 185, '+');
  const squash = at(700, 185, 'σ');
  const wires: CircuitWire[] = [
    { name: 'w0', from: at(30, 20), to: times0, node: w0! },
    { name: 'x0', from: at(30, 120), to: times0, node: x0! },
    { name: 'w1', from: at(30, 165), to: times1, node: w1! },
    { name: 'x1', from: at(30, 265), to: times1, node: x1! },
    { name: 'w2', from: at(30, 320), to: plus1, node: w2! },
    { name: 'a', from: times0, to: plus0, node: product0 },
    { name: 'b', from: times1, to: plus0, node: product1 },
    { name: 'c', from: plus0, to: plus1, node: partial },
    { name: 's', from: plus1, to: squash, node: sum },
    { name: 'f', from: squash, to: at(840, 185), node: f },
  ];
  drawCircuit(element('circuit-neuron', SVGSVGElement), wires, 'neuron');
}

/** Redraws one circuit; a bad field shows its message in that circuit's error line only. */
function redraw(draw: () => void, errorLine: HTMLElement): void {
  try {
    draw();
    showError(errorLine, null);
  } catch (error) {
    showError(errorLine, error);
  }
}

const sumTimesError = element('error-sum-times', HTMLElement);
const neuronError = element('error-neuron', HTMLElement);
for (const name of ['x', 'y', 'z']) element(`input-${name}`, HTMLInputElement).addEventListener('input', () => redraw(drawSumTimes, sumTimesError));
for (const name of ['w0', 'x0', 'w1', 'x1', 'w2']) element(`input-${name}`, HTMLInputElement).addEventListener('input', () => redraw(drawNeuron, neuronError));
redraw(drawSumTimes, sumTimesError);
redraw(drawNeuron, neuronError);
document.body.dataset.ready = 'true';
