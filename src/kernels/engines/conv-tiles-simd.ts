/**
 * The implicit-GEMM tiles of kernels/conv-tiles.ts as WebAssembly SIMD: each v128 register holds four
 * floats, so one f32x4.mul and one f32x4.add do the work of four scalar multiply-adds. Lane-wise they
 * are the IEEE single-precision operations of the scalar loops (two roundings per multiply-add, never
 * fused: WebAssembly has no FMA outside relaxed SIMD), and the lanes run across independent sums —
 * neighbouring output pixels, or filters — never across the terms of one sum. So every sum adds its
 * terms in the same order as forwardTilesPortable / weightGradTilesPortable, and the bits are the same
 * (a spec checks it), even though the tiles here are larger.
 *
 * Four lanes make the tiles 8 registers of 4 sums (x86-64 has 16 vector registers; 8 sums plus the
 * values of one step fit without spilling):
 *
 * - forward, 4 filters × 8 neighbouring output pixels: per patch entry p, the 8 pixels' values load
 *   as two quads — one v128 load each when SW = 1 (neighbouring output pixels read neighbouring
 *   inputs), lane by lane otherwise (forwardTilesStrided: the same values, so the same bits) —
 *   each filter's weight is splatted into all four lanes, and sums[filter][quad] += weight · quad.
 *   Weight panels hold 4 filters per step ([depth][4]); a 3-filter variant serves K = 3, 6, 9, ….
 *   Why lanes across pixels and not filters: two contiguous loads feed 8 multiply-adds; lanes across
 *   filters would need 8 splats of pixel values instead. Wider tiles with fewer filters (2 × 16,
 *   1 × 32) were tried and measured 20–60 % slower: their extra unaligned loads cost more than the
 *   padded filters they save.
 * - weight gradient, 8 filters × 4 patch entries (4 × 4 for an odd last quad of filters), one image
 *   per call: per output pixel, dy of two quads of filters loads as two v128 (the dy panels are
 *   [pixel][4]), each entry's input value is
 *   splatted, sums[entry][quad] += dy quad · value; at the end accumulators += sums (the per-image
 *   sum). Lanes across filters, not pixels: the pixels are the terms of one sum.
 *
 * Arguments are the fields of ForwardTileArgs / WeightGradTileArgs in bytes (× 4), plus the pair
 * steps of the weight-gradient tile (see there). The loops test their condition at the bottom: every
 * count here is ≥ 1 (the caller never passes an empty range). copyPlanes and packPanels move data
 * into the heap's layouts (no arithmetic on the sums).
 */
import { F32, F64, I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, CompiledModule, Locals, WasmFunction, WasmMemory } from './wasm-module.ts';

/** name = name + amount (an i32 local or constant). */
function increment({ get, set }: Locals, name: string, amount: string | number): Code {
  return [get(name), typeof amount === 'number' ? op.i32Const(amount) : get(amount), op.i32Add, set(name)];
}

/** sum = sum + a · b, lane-wise in float32: f32x4.mul rounds the products, f32x4.add the sums. */
function multiplyAdd({ get, set }: Locals, sum: string, a: string, b: string): Code {
  return [get(sum), get(a), get(b), op.f32x4Mul, op.f32x4Add, set(sum)];
}

const FORWARD_PARAMETERS = [
  'filterGroups', 'depth', 'outputHeight', 'paddedOutputWidth', 'rowStep', 'columnStep', 'weightsAt', 'tableAt', 'inputAt', 'outputAt',
];

/**
 * The forward tile has G filters: 4 (8 sums), or 3 when that pads fewer filters (K = 3, 6, 9 …: above
 * all backward-data of an RGB input, a convolution with C = 3 "filters" that 4 would pad to 4).
 */
export const FORWARD_GROUPS = [4, 3] as const;

/**
 * Forward tiles of G filters × 8 pixels; `unitStride` loads each quad of pixels with one v128 load
 * (valid only when columnStep = 4 bytes).
 */
function forwardTiles(name: string, unitStride: boolean, group: number): WasmFunction {
  const FILTERS = Array.from({ length: group }, (_, filter) => filter);
  const sums = FILTERS.flatMap((filter) => [`sum${filter}a`, `sum${filter}b`]);
  const steps = [1, 2, 3, 4, 5, 6, 7].map((j) => `step${j}`);
  return fn(name, FORWARD_PARAMETERS, [
    [I32, ['panelIndex', 'y', 'x', 'panel', 'rowBase', 'base', 'w', 't', 'tEnd', 'at', 'plane', 'out', ...steps]],
    [V128, ['weight', 'pixelsA', 'pixelsB', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    // Pixels x..x+3 into pixelsA and x+4..x+7 into pixelsB, for the patch entry at byte address `at`.
    const address = (j: number): Code => (j === 0 ? get('at') : [get('at'), get(`step${j}`), op.i32Add]);
    const loadPixels: Code = unitStride
      ? [get('at'), op.v128Load4Floats(0), set('pixelsA'), get('at'), op.v128Load4Floats(16), set('pixelsB')]
      : ['pixelsA', 'pixelsB'].map((quad, half) => [
        address(4 * half), op.f32Load(0), op.f32x4Splat,
        [1, 2, 3].map((lane) => [address(4 * half + lane), op.f32Load(0), op.f32x4ReplaceLane(lane)]),
        set(quad),
      ]);
    return [
      steps.map((step, j) => [get('columnStep'), op.i32Const(j + 1), op.i32Mul, set(step)]),
      get('outputHeight'), get('paddedOutputWidth'), op.i32Mul, op.i32Const(2), op.i32Shl, set('plane'),
      op.i32Const(0), set('panelIndex'),
      op.loop, // over groups of G filters
      get('weightsAt'), get('panelIndex'), get('depth'), op.i32Mul, op.i32Const(4 * group), op.i32Mul, op.i32Add, set('panel'),
      op.i32Const(0), set('y'),
      op.loop, // over output rows
      get('inputAt'), get('y'), get('rowStep'), op.i32Mul, op.i32Add, set('rowBase'),
      op.i32Const(0), set('x'),
      op.loop, // over tiles of 8 output pixels
      get('rowBase'), get('x'), get('columnStep'), op.i32Mul, op.i32Add, set('base'),
      sums.map((sum) => [op.v128Zero, set(sum)]),
      get('panel'), set('w'),
      get('tableAt'), set('t'),
      get('t'), get('depth'), op.i32Const(2), op.i32Shl, op.i32Add, set('tEnd'),
      op.loop, // over patch entries p
      get('base'), get('t'), op.i32Load(0), op.i32Const(2), op.i32Shl, op.i32Add, set('at'),
      loadPixels,
      FILTERS.map((filter) => [
        get('w'), op.v128Load32Splat(4 * filter), set('weight'),
        multiplyAdd(locals, `sum${filter}a`, 'weight', 'pixelsA'),
        multiplyAdd(locals, `sum${filter}b`, 'weight', 'pixelsB'),
      ]),
      increment(locals, 'w', 4 * group), increment(locals, 't', 4),
      get('t'), get('tEnd'), op.i32LtS, op.brIf(0),
      op.end,
      // out = outputAt + G·panelIndex·plane + (y·paddedOutputWidth + x)·4; one row of 8 pixels per filter.
      get('outputAt'), get('panelIndex'), op.i32Const(group), op.i32Mul, get('plane'), op.i32Mul, op.i32Add,
      get('y'), get('paddedOutputWidth'), op.i32Mul, get('x'), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add, set('out'),
      // y = f32(y + s): the output region holds the bias or dx.
      FILTERS.map((filter) => [
        get('out'), get('out'), op.v128Load4Floats(0), get(`sum${filter}a`), op.f32x4Add, op.v128Store4Floats(0),
        get('out'), get('out'), op.v128Load4Floats(16), get(`sum${filter}b`), op.f32x4Add, op.v128Store4Floats(16),
        increment(locals, 'out', 'plane'),
      ]),
      increment(locals, 'x', 8), get('x'), get('paddedOutputWidth'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'y', 1), get('y'), get('outputHeight'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'panelIndex', 1), get('panelIndex'), get('filterGroups'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

const ENTRIES = [0, 1, 2, 3];

/**
 * Weight-gradient tiles, 8 filters (two quads) × 4 patch entries — or, with `quads` = 1, 4 filters × 4
 * entries, the tile for an odd last quad (K = 20 filters are two pairs and one quad). Accumulators
 * [quad][paddedDepth][4]: the 4 filters of entry p are contiguous, so each quad's sums of entry p load
 * and store as one v128. Per output pixel: one dy load per quad (the quads' panels), one splat per
 * entry, 4 multiply-adds per quad.
 *
 * Why pairs of quads, not 4 filters × 8 entries: that tile needs 8 entry pointers, and with the loop's
 * own registers V8 ran out of x86-64's general registers and spilled — measured 3–5× slower per
 * multiply-add than this tile, whose 4 entry pointers fit. The second quad of a pair is
 * `pairPanelStep` bytes after the first's dy panel and `pairGradStep` after its accumulators (the
 * next quad). The single-quad tile has only 4 sums, so each sum's chain of dependent adds sets its
 * pace rather than the adders; still, on K = 20 filters (two pairs and a quad) backward-weights is
 * 10 % faster than when the odd quad ran on the pair tile beside a zero dy panel (4 idle lanes).
 * Unrolling either tile over two pixels, or the forward tile over two patch entries, was measured
 * 1.4–1.7× slower (V8 then spills registers).
 */
function weightGradTiles(quads: 1 | 2): WasmFunction {
  const halves = quads === 2 ? ['a', 'b'] : ['a'];
  const sums = ENTRIES.flatMap((entry) => halves.map((half) => `sum${entry}${half}`));
  const pointers = ENTRIES.map((entry) => `at${entry}`);
  return fn(quads === 2 ? 'weightGradTiles' : 'weightGradTilesQuad', [
    'filterQuads', 'tileStart', 'tileEnd', 'paddedDepth', 'outputHeight', 'outputWidth', 'rowStep', 'columnStep',
    'gradAt', 'tableAt', 'outputGradAt', 'inputAt', 'pairPanelStep', 'pairGradStep',
  ], [
    [I32, ['quad', 'p', 'y', 'grad', 'd', 'd2', 'dEnd', 'row', 't', 'rowBytes', 'panelBytes', ...pointers]],
    [V128, ['gradsA', 'gradsB', 'value', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    const pixelLoads: Code = quads === 2
      ? [get('d'), op.v128Load4Floats(0), set('gradsA'), get('d2'), op.v128Load4Floats(0), set('gradsB')]
      : [get('d'), op.v128Load4Floats(0), set('gradsA')];
    const store = (half: string): Code => ENTRIES.map((entry) => [
      get('grad'), get('grad'), op.v128Load4Floats(16 * entry), get(`sum${entry}${half}`), op.f32x4Add, op.v128Store4Floats(16 * entry),
    ]);
    return [
      get('outputWidth'), op.i32Const(4), op.i32Shl, set('rowBytes'),
      get('outputHeight'), get('outputWidth'), op.i32Mul, op.i32Const(4), op.i32Shl, set('panelBytes'),
      op.i32Const(0), set('quad'),
      op.loop, // over the tiles' quads (pairs, or one at a time)
      get('tileStart'), set('p'),
      op.loop, // over groups of 4 patch entries
      sums.map((sum) => [op.v128Zero, set(sum)]),
      get('outputGradAt'), get('quad'), get('panelBytes'), op.i32Mul, op.i32Add, set('d'),
      quads === 2 ? [get('d'), get('pairPanelStep'), op.i32Add, set('d2')] : [],
      get('inputAt'), set('row'),
      get('tableAt'), get('p'), op.i32Const(2), op.i32Shl, op.i32Add, set('t'),
      op.i32Const(0), set('y'),
      op.loop, // over output rows
      ENTRIES.map((entry) => [get('row'), get('t'), op.i32Load(4 * entry), op.i32Const(2), op.i32Shl, op.i32Add, set(`at${entry}`)]),
      get('d'), get('rowBytes'), op.i32Add, set('dEnd'),
      op.loop, // over the pixels of the row
      pixelLoads,
      ENTRIES.map((entry) => [
        get(`at${entry}`), op.v128Load32Splat(0), set('value'),
        multiplyAdd(locals, `sum${entry}a`, 'gradsA', 'value'),
        quads === 2 ? multiplyAdd(locals, `sum${entry}b`, 'gradsB', 'value') : [],
      ]),
      increment(locals, 'd', 16), quads === 2 ? increment(locals, 'd2', 16) : [],
      ENTRIES.map((entry) => increment(locals, `at${entry}`, 'columnStep')),
      get('d'), get('dEnd'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'row', 'rowStep'),
      increment(locals, 'y', 1), get('y'), get('outputHeight'), op.i32LtS, op.brIf(0),
      op.end,
      // accumulators += this image's sums (dw = f32(dw + s)), for each quad of the tile.
      get('gradAt'), get('quad'), get('paddedDepth'), op.i32Mul, get('p'), op.i32Add, op.i32Const(4), op.i32Shl, op.i32Add, set('grad'),
      store('a'),
      quads === 2 ? [increment(locals, 'grad', 'pairGradStep'), store('b')] : [],
      increment(locals, 'p', 4), get('p'), get('tileEnd'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'quad', quads), get('quad'), get('filterQuads'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/**
 * Copies `planes` planes of `rows` rows of `rowBytes` bytes, with the given plane and row strides in
 * bytes: the padded copy of an image, from a staging area the caller filled with one block copy.
 * Not arithmetic, so nothing to match; it only replaces a JavaScript element loop (a float read and
 * write per pixel) by memory.copy per row.
 */
function copyPlanes(): WasmFunction {
  return fn('copyPlanes', [
    'from', 'to', 'planes', 'rows', 'rowBytes', 'fromPlaneStride', 'toPlaneStride', 'fromRowStride', 'toRowStride',
  ], [[I32, ['plane', 'row', 'source', 'destination']]], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), set('plane'),
      op.loop, // over planes
      get('from'), set('source'), get('to'), set('destination'),
      op.i32Const(0), set('row'),
      op.loop, // over rows
      get('destination'), get('source'), get('rowBytes'), op.memoryCopy,
      increment(locals, 'source', 'fromRowStride'), increment(locals, 'destination', 'toRowStride'),
      increment(locals, 'row', 1), get('row'), get('rows'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'from', 'fromPlaneStride'), increment(locals, 'to', 'toPlaneStride'),
      increment(locals, 'plane', 1), get('plane'), get('planes'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/**
 * The dy panels of backward-weights: rows [4·quads][pixels] (a block copy of dy[n] for these
 * filters) → panels [quads][pixels][4], and every row's values added, in double and in pixel order,
 * to its running sum at sumsAt (db: the same additions, in the same order, as sumOutputGrad in
 * conv-naive.ts, so the same bits). Replaces a JavaScript loop that cost up to half of backward-weights
 * on a shallow layer.
 */
function packPanels(): WasmFunction {
  const lanes = [0, 1, 2, 3];
  return fn('packPanels', ['from', 'to', 'quads', 'pixels', 'sumsAt'], [
    [I32, ['quad', 'source', 'sourceEnd', 'destination', 'rowBytes', 'offset2', 'offset3']],
    [F32, lanes.map((lane) => `value${lane}`)], [F64, lanes.map((lane) => `sum${lane}`)],
  ], (locals) => {
    const { get, set } = locals;
    // Lane r of the quad reads row r: source + r·rowBytes.
    const rowAddress = (lane: number): Code =>
      [get('source'), ...(lane === 0 ? [] : [get(['', 'rowBytes', 'offset2', 'offset3'][lane]), op.i32Add])];
    return [
      get('pixels'), op.i32Const(2), op.i32Shl, set('rowBytes'),
      get('rowBytes'), op.i32Const(1), op.i32Shl, set('offset2'),
      get('offset2'), get('rowBytes'), op.i32Add, set('offset3'),
      get('from'), set('source'), get('to'), set('destination'),
      op.i32Const(0), set('quad'),
      op.loop, // over quads: 4 rows, 4 running sums (4 independent chains hide the add latency)
      lanes.map((lane) => [get('sumsAt'), op.f64Load(8 * lane), set(`sum${lane}`)]),
      get('source'), get('rowBytes'), op.i32Add, set('sourceEnd'),
      op.loop, // over pixels
      lanes.map((lane) => [
        rowAddress(lane), op.f32Load(0), set(`value${lane}`),
        get('destination'), get(`value${lane}`), op.f32Store(4 * lane),
        get(`sum${lane}`), get(`value${lane}`), op.f64PromoteF32, op.f64Add, set(`sum${lane}`),
      ]),
      increment(locals, 'source', 4), increment(locals, 'destination', 16),
      get('source'), get('sourceEnd'), op.i32LtS, op.brIf(0),
      op.end,
      lanes.map((lane) => [get('sumsAt'), get(`sum${lane}`), op.f64Store(8 * lane)]),
      increment(locals, 'sumsAt', 32),
      get('source'), get('offset3'), op.i32Add, set('source'), // past the quad's 4 rows
      increment(locals, 'quad', 1), get('quad'), get('quads'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

export interface SimdTiles {
  /** forwardTiles{G} and forwardTilesStrided{G}, G in FORWARD_GROUPS. */
  [forward: `forwardTiles${string}`]: (...args: number[]) => void;
  weightGradTiles(...args: number[]): void;
  weightGradTilesQuad(...args: number[]): void;
  copyPlanes(...args: number[]): void;
  packPanels(...args: number[]): void;
}

/** The compiled module, once per thread; null when this engine has no WebAssembly SIMD. */
let compiled: CompiledModule | null | undefined;

/** The SIMD tiles bound to a fresh memory of `pages` × 64 KiB, or undefined without WebAssembly SIMD. */
export function instantiateSimdTiles(pages: number): { memory: WasmMemory; tiles: SimdTiles } | undefined {
  compiled ??= compileModule(() => assembleModule([
    ...FORWARD_GROUPS.flatMap((group) => [
      forwardTiles(`forwardTiles${group}`, true, group), forwardTiles(`forwardTilesStrided${group}`, false, group),
    ]),
    weightGradTiles(2), weightGradTiles(1), copyPlanes(), packPanels(),
  ]));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, pages);
  return { memory, tiles: exports as unknown as SimdTiles };
}
