/**
 * Starting one network from another's weights (transfer learning): parameters and buffers are copied
 * layer by layer, matched by layer NAME, and only when every tensor of the layer has the same shape.
 *
 *   target conv1.weights (16, 3, 5, 5) ← source conv1.weights (16, 3, 5, 5)    copied
 *   target fc2.weights (5, 320)          source fc2.weights (10, 320)           mismatch → refused
 *   target fc9 (no layer of that name in the source)                            keeps its fresh init
 *
 * Why by name and not by position: a definition that inserts a layer (a dropout, a new head) shifts
 * every position after it, while names (conv1, fc2, or ones the definition gives) say which layer is
 * which. Layers in `keepFresh` (a replaced head) are not copied even when the source has them.
 * Every mismatch is reported at once, so one run of the command lists everything to fix.
 * Portable: no node:* imports.
 */
import { DataError, formatShape } from '../errors.ts';
import type { Net } from './net.ts';

export interface CopiedWeights {
  /** Layers whose every parameter and buffer came from the source. */
  copied: string[];
  /** Layers with parameters that kept their initialization (absent from the source, or in keepFresh). */
  fresh: string[];
}

/**
 * Copies, for each layer of `target` that has parameters or buffers, the source layer of the same
 * name (same type, same shape of every tensor). Throws a DataError naming `source` that lists every
 * mismatch, or says that no layer matched at all.
 */
export function copyWeightsByName(target: Net, from: Net, source: string, keepFresh: ReadonlySet<string> = new Set()): CopiedWeights {
  const byName = new Map(from.layers.map((layer) => [layer.name, layer]));
  const copied: string[] = [];
  const fresh: string[] = [];
  const mismatches: string[] = [];
  const pairs: Array<[Float32Array, Float32Array]> = [];
  for (const layer of target.layers) {
    const tensors = [...layer.parameters().map((p) => ({ name: p.name, value: p.value })), ...(layer.buffers?.() ?? [])];
    if (tensors.length === 0) continue;
    const other = byName.get(layer.name);
    if (!other || keepFresh.has(layer.name)) {
      fresh.push(layer.name);
      continue;
    }
    if (other.type !== layer.type) {
      mismatches.push(`${layer.name} is '${other.type}' in the source, '${layer.type}' here`);
      continue;
    }
    const sourceTensors = new Map([...other.parameters().map((p) => [p.name, p.value] as const), ...(other.buffers?.() ?? []).map((b) => [b.name, b.value] as const)]);
    let fits = true;
    for (const tensor of tensors) {
      const match = sourceTensors.get(tensor.name);
      if (!match || match.shape.length !== tensor.value.shape.length || match.shape.some((d, i) => d !== tensor.value.shape[i])) {
        mismatches.push(`${layer.name}.${tensor.name} is ${match ? formatShape(match.shape) : 'missing'} in the source, ${formatShape(tensor.value.shape)} here`);
        fits = false;
      } else {
        pairs.push([tensor.value.data, match.data]);
      }
    }
    if (fits) copied.push(layer.name);
  }
  if (mismatches.length > 0) {
    throw new DataError(`${source}: cannot start from these weights: ${mismatches.join('; ')} (a different head needs --replace-head)`);
  }
  if (copied.length === 0) {
    throw new DataError(`${source}: no layer of the network (${target.layers.map((l) => l.name).join(', ')}) has a namesake with weights in the source (${from.layers.map((l) => l.name).join(', ')})`);
  }
  for (const [into, values] of pairs) into.set(values);
  return { copied, fresh };
}
