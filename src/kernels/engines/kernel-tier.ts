/**
 * The kernel tier: which engine runs the innermost loops (the GEMM's macro-kernel and the implicit
 * GEMM's register tiles; on 'simd' also ReLU and 2×2 max pooling), and the one helper that picks the
 * fastest tier a thread may use.
 *
 *   'simd'      WebAssembly SIMD, four floats per register (engines/*-simd.ts, assembled at run time
 *               by engines/wasm-module.ts). Everywhere current: Node, Deno, Bun, browsers.
 *   'asm'       asm.js, the typed subset of JavaScript V8 compiles ahead of time (engines/*-asm.ts,
 *               compiled from a string with `new Function`). Where compiling WebAssembly is forbidden.
 *   'portable'  plain TypeScript: the reference loops (gemm-macro-kernel.ts, conv-tiles.ts). Where
 *               `new Function` is forbidden too, and what a port starts from.
 *
 * All three do the same IEEE single-precision operations — every product and every sum rounded to
 * float32, never fused — in the same order for each output, so they give the same bits (the tier
 * specs check it). SIMD lanes hold independent outputs, never terms of one sum: that is what lets a
 * four-lane loop match a plain `Math.fround` loop (the contract is in gemm.ts and conv-tiles.ts). The setting is a CEILING: each thread runs the fastest tier at or below it
 * that its engine allows ('simd' = as fast as possible, the default; 'portable' = only TypeScript).
 * It is per process — a WorkerPool passes it to its threads — and a thread rebuilds its scratch heaps
 * when the setting changes (kernels/engine-switch.ts).
 *
 * This folder (engines/) imports nothing from the reference kernels: a port may leave it out and
 * replace kernels/engine-switch.ts by its portable lines.
 */
import { ConfigError } from '../../errors.ts';

export type KernelTier = 'simd' | 'asm' | 'portable';

/** Fastest first. */
export const KERNEL_TIERS: readonly KernelTier[] = ['simd', 'asm', 'portable'];

let setting: KernelTier = 'simd';

/** The tier ceiling in force on this thread (default 'simd'). */
export function kernelTier(): KernelTier {
  return setting;
}

/** Sets this thread's tier ceiling; a WorkerPool forwards it to its workers on the next call. */
export function setKernelTier(tier: KernelTier): void {
  setting = parseKernelTier(tier, 'setKernelTier');
}

/** `value` as a KernelTier, or a ConfigError naming `where` (a flag, a function). */
export function parseKernelTier(value: unknown, where: string): KernelTier {
  if (typeof value === 'string' && (KERNEL_TIERS as readonly string[]).includes(value)) return value as KernelTier;
  throw new ConfigError(`${where}: the kernel tier must be one of ${KERNEL_TIERS.join(', ')}, got ${JSON.stringify(value)}`);
}

/** How to build one thing (a scratch heap with its loops) on each tier; undefined = not on this engine. */
export interface TierBuilders<T> {
  readonly simd: () => T | undefined;
  readonly asm: () => T | undefined;
  readonly portable: () => T;
}

/**
 * The one "pick the fastest tier" rule: try the tiers from `ceiling` down and keep the first that
 * builds (a builder returns undefined when the engine lacks WebAssembly SIMD, or forbids
 * `new Function`). 'portable' always builds.
 */
export function pickFastestTier<T>(builders: TierBuilders<T>, ceiling: KernelTier = kernelTier()): { tier: KernelTier; built: T } {
  for (const tier of KERNEL_TIERS.slice(KERNEL_TIERS.indexOf(parseKernelTier(ceiling, 'pickFastestTier')))) {
    const built = builders[tier]();
    if (built !== undefined) return { tier, built };
  }
  throw new Error('pickFastestTier: unreachable (the portable tier always builds)');
}
