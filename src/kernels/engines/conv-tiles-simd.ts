/**
 * The implicit-GEMM tiles of kernels/conv-tiles.ts as WebAssembly SIMD: each v128 register holds two doubles,
 * so one f64x2.mul and one f64x2.add do the work of two scalar multiply-adds. Lane-wise they are the
 * same IEEE operations as the scalar loops, applied to every sum in the same order, so the results
 * are bit-identical to forwardTilesPortable / weightGradTilesPortable (a spec checks it). Measured
 * on the reference machine: 2–3× the asm.js tiles.
 *
 * With twice the lanes the tiles grow to 16 sums in 8 registers (x86-64 has 16):
 *
 * - forward, 4 filters × 4 neighbouring pixels: per patch entry p, the pixels' values load as two
 *   pairs (one v128 load each when SW = 1 — neighbouring output pixels read neighbouring inputs —
 *   and two scalar loads per pair otherwise), each filter's weight is loaded into both lanes, and
 *   sums[filter][pixel pair] += weight · pair. Weight panels hold 4 filters per step ([depth][4]).
 * - weight gradient, 4 filters × 4 patch entries: per output pixel, dy of the 4 filters loads as two
 *   pairs, each entry's input value into both lanes, sums[entry][filter pair] += value · dy pair.
 *
 * Arguments are the fields of ForwardTileArgs / WeightGradTileArgs in bytes (× 8), except tableAt,
 * an Int32 index, as for the asm.js tiles. The loops test their condition at the bottom: every
 * count here is ≥ 1 (the caller never passes an empty range).
 */
import { I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, CompiledModule, Locals, WasmFunction, WasmMemory } from './wasm-module.ts';

/** name = name + amount (an i32 local or constant). */
function increment({ get, set }: Locals, name: string, amount: string | number): Code {
  return [get(name), typeof amount === 'number' ? op.i32Const(amount) : get(amount), op.i32Add, set(name)];
}

/** sum = sum + a · b, lane-wise. */
function multiplyAdd({ get, set }: Locals, sum: string, a: string, b: string): Code {
  return [get(sum), get(a), get(b), op.f64x2Mul, op.f64x2Add, set(sum)];
}

const FORWARD_PARAMETERS = [
  'filterQuads', 'depth', 'outputHeight', 'paddedOutputWidth', 'rowStep', 'columnStep', 'weightsAt', 'tableAt', 'inputAt', 'outputAt',
];

/** Forward tiles; `unitStride` loads each pixel pair with one v128 load (valid only when columnStep = 8 bytes). */
function forwardTiles(name: string, unitStride: boolean): WasmFunction {
  const sums = ['sum0a', 'sum0b', 'sum1a', 'sum1b', 'sum2a', 'sum2b', 'sum3a', 'sum3b'];
  return fn(name, FORWARD_PARAMETERS, [
    [I32, ['quad', 'y', 'x', 'panel', 'rowBase', 'base', 'w', 't', 'tEnd', 'at', 'plane', 'out']],
    [V128, ['weight', 'pixelsA', 'pixelsB', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    // Pixels x..x+1 into pixelsA and x+2..x+3 into pixelsB, for the patch entry at byte offset `at`.
    const loadPixels: Code = unitStride
      ? [get('at'), op.v128Load(0), set('pixelsA'), get('at'), op.v128Load(16), set('pixelsB')]
      : ['pixelsA', 'pixelsB'].map((pair, half) => [
        // at + 2·half·columnStep, then the next pixel columnStep further.
        get('at'), get('columnStep'), op.i32Const(2 * half), op.i32Mul, op.i32Add, op.f64Load(0), op.f64x2Splat,
        get('at'), get('columnStep'), op.i32Const(2 * half + 1), op.i32Mul, op.i32Add, op.f64Load(0), op.f64x2ReplaceLane(1),
        set(pair),
      ]);
    return [
      get('outputHeight'), get('paddedOutputWidth'), op.i32Mul, op.i32Const(3), op.i32Shl, set('plane'),
      op.i32Const(0), set('quad'),
      op.loop, // over groups of 4 filters
      get('weightsAt'), get('quad'), get('depth'), op.i32Mul, op.i32Const(5), op.i32Shl, op.i32Add, set('panel'),
      op.i32Const(0), set('y'),
      op.loop, // over output rows
      get('inputAt'), get('y'), get('rowStep'), op.i32Mul, op.i32Add, set('rowBase'),
      op.i32Const(0), set('x'),
      op.loop, // over tiles of 4 output pixels
      get('rowBase'), get('x'), get('columnStep'), op.i32Mul, op.i32Add, set('base'),
      sums.map((sum) => [op.v128Zero, set(sum)]),
      get('panel'), set('w'),
      get('tableAt'), op.i32Const(2), op.i32Shl, set('t'),
      get('t'), get('depth'), op.i32Const(2), op.i32Shl, op.i32Add, set('tEnd'),
      op.loop, // over patch entries p
      get('base'), get('t'), op.i32Load(0), op.i32Const(3), op.i32Shl, op.i32Add, set('at'),
      loadPixels,
      [0, 1, 2, 3].map((filter) => [
        get('w'), op.v128Load64Splat(8 * filter), set('weight'),
        multiplyAdd(locals, `sum${filter}a`, 'weight', 'pixelsA'),
        multiplyAdd(locals, `sum${filter}b`, 'weight', 'pixelsB'),
      ]),
      increment(locals, 'w', 32), increment(locals, 't', 4),
      get('t'), get('tEnd'), op.i32LtS, op.brIf(0),
      op.end,
      // out = outputAt + 4·quad·plane + (y·paddedOutputWidth + x)·8; one row of 4 pixels per filter.
      get('outputAt'), get('quad'), op.i32Const(2), op.i32Shl, get('plane'), op.i32Mul, op.i32Add,
      get('y'), get('paddedOutputWidth'), op.i32Mul, get('x'), op.i32Add, op.i32Const(3), op.i32Shl, op.i32Add, set('out'),
      [0, 1, 2, 3].map((filter) => [
        get('out'), get(`sum${filter}a`), op.v128Store(0),
        get('out'), get(`sum${filter}b`), op.v128Store(16),
        increment(locals, 'out', 'plane'),
      ]),
      increment(locals, 'x', 4), get('x'), get('paddedOutputWidth'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'y', 1), get('y'), get('outputHeight'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'quad', 1), get('quad'), get('filterQuads'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/**
 * Weight-gradient tiles. Accumulators [quad][paddedDepth][4]: the 4 filters of entry p are
 * contiguous, so sums for entry j load and store as two pairs.
 */
function weightGradTiles(): WasmFunction {
  const sums = ['sum0a', 'sum0b', 'sum1a', 'sum1b', 'sum2a', 'sum2b', 'sum3a', 'sum3b'];
  return fn('weightGradTiles', [
    'filterQuads', 'tileStart', 'tileEnd', 'paddedDepth', 'outputHeight', 'outputWidth', 'rowStep', 'columnStep',
    'gradAt', 'tableAt', 'outputGradAt', 'inputAt',
  ], [
    [I32, ['quad', 'p', 'y', 'grad', 'd', 'dEnd', 'row', 't', 'at0', 'at1', 'at2', 'at3', 'rowBytes', 'panelBytes']],
    [V128, ['gradsA', 'gradsB', 'value', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    return [
      get('outputWidth'), op.i32Const(5), op.i32Shl, set('rowBytes'),
      get('outputHeight'), get('outputWidth'), op.i32Mul, op.i32Const(5), op.i32Shl, set('panelBytes'),
      op.i32Const(0), set('quad'),
      op.loop, // over groups of 4 filters
      get('tileStart'), set('p'),
      op.loop, // over groups of 4 patch entries
      get('gradAt'), get('quad'), get('paddedDepth'), op.i32Mul, get('p'), op.i32Add, op.i32Const(5), op.i32Shl, op.i32Add, set('grad'),
      [0, 1, 2, 3].map((entry) => [
        get('grad'), op.v128Load(32 * entry), set(`sum${entry}a`),
        get('grad'), op.v128Load(32 * entry + 16), set(`sum${entry}b`),
      ]),
      get('outputGradAt'), get('quad'), get('panelBytes'), op.i32Mul, op.i32Add, set('d'),
      get('inputAt'), set('row'),
      get('tableAt'), get('p'), op.i32Add, op.i32Const(2), op.i32Shl, set('t'),
      op.i32Const(0), set('y'),
      op.loop, // over output rows
      [0, 1, 2, 3].map((entry) => [get('row'), get('t'), op.i32Load(4 * entry), op.i32Const(3), op.i32Shl, op.i32Add, set(`at${entry}`)]),
      get('d'), get('rowBytes'), op.i32Add, set('dEnd'),
      op.loop, // over the pixels of the row
      get('d'), op.v128Load(0), set('gradsA'),
      get('d'), op.v128Load(16), set('gradsB'),
      [0, 1, 2, 3].map((entry) => [
        get(`at${entry}`), op.v128Load64Splat(0), set('value'),
        multiplyAdd(locals, `sum${entry}a`, 'gradsA', 'value'),
        multiplyAdd(locals, `sum${entry}b`, 'gradsB', 'value'),
      ]),
      increment(locals, 'd', 32),
      [0, 1, 2, 3].map((entry) => increment(locals, `at${entry}`, 'columnStep')),
      get('d'), get('dEnd'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'row', 'rowStep'),
      increment(locals, 'y', 1), get('y'), get('outputHeight'), op.i32LtS, op.brIf(0),
      op.end,
      [0, 1, 2, 3].map((entry) => [
        get('grad'), get(`sum${entry}a`), op.v128Store(32 * entry),
        get('grad'), get(`sum${entry}b`), op.v128Store(32 * entry + 16),
      ]),
      increment(locals, 'p', 4), get('p'), get('tileEnd'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'quad', 1), get('quad'), get('filterQuads'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

export interface SimdTiles {
  forwardTiles(...args: number[]): void;
  forwardTilesStrided(...args: number[]): void;
  weightGradTiles(...args: number[]): void;
}

/** The compiled module, once per thread; null when this engine has no WebAssembly SIMD. */
let compiled: CompiledModule | null | undefined;

/** The SIMD tiles bound to a fresh memory of `pages` × 64 KiB, or undefined without WebAssembly SIMD. */
export function instantiateSimdTiles(pages: number): { memory: WasmMemory; tiles: SimdTiles } | undefined {
  compiled ??= compileModule(() => assembleModule([
    forwardTiles('forwardTiles', true), forwardTiles('forwardTilesStrided', false), weightGradTiles(),
  ]));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, pages);
  return { memory, tiles: exports as unknown as SimdTiles };
}
