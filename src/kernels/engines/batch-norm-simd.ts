/**
 * kernels/batch-norm.ts's four row loops as WebAssembly SIMD: four floats of a row per step, widened
 * to two f64x2, with the float64 arithmetic of the TypeScript loops lane by lane.
 *
 *   shiftedSums    per row: Σ(x − K_c) and Σ(x − K_c)²      (K_c from the table, one double per channel)
 *   gradientSums   per row: Σg and Σg·x
 *   affine         in place: y = f32(a_c·x + b_c)             (a_c, b_c: two doubles per channel)
 *   inputGrad      in place on dy: dx = f32(A_c·g + (B_c·x + C_c))   (three more doubles per channel)
 *
 * where g = dy. The …Relu variants are the same loops with a ReLU fused after the batch norm: affineRelu
 * keeps v = a_c·x + b_c only where v > 2⁻¹⁵⁰ (else +0), and gradientSumsRelu and inputGradRelu take
 * g = dy only where a_c·x + b_c > 2⁻¹⁵⁰ (else +0) — kernels/batch-norm.ts says why that threshold is
 * exactly the ReLU's "y > 0" on the float32 y. The masks are bitwise ands with all-ones or zero lanes.
 *
 * Why the bits are the TypeScript loops': a row's sums there run in four lanes, value s into lane
 * s mod 4, each lane a float64 sum from 0 in the order of s, and the row's result is
 * (lane 0 + lane 2) + (lane 1 + lane 3). Here the four floats at s … s + 3 load as two pairs — floats
 * s, s + 1 into one f64x2 and s + 2, s + 3 into another — so the accumulator of the first pair holds
 * lanes 0 and 1 and the second lanes 2 and 3, each lane adding the same values in the same order.
 * Adding the two accumulators gives (lane 0 + lane 2, lane 1 + lane 3), and adding its two halves
 * the row's result. Widening a float to a double is exact, and f64x2 add, subtract and multiply round
 * each lane as the scalar operations do (WebAssembly has no fused multiply-add outside relaxed SIMD),
 * so every lane is the same double; demote rounds to float32 as a Float32Array store does.
 *
 * Rows are S floats, S a multiple of 4 (the caller keeps other sizes in TypeScript). The row's channel
 * is (first channel + row index) mod C: kernels/batch-norm.ts stages consecutive rows of the (N·C, S)
 * tensor — one block copy — in this module's memory, x (or dy) in the first operand region and x in
 * the second (`capacity` floats further), hands each loop the byte address of its first row and the
 * distance to the second operand, and reads the row sums back from SUMS. The operand regions grow to
 * hold a thread's whole share of a layer's rows (up to BATCH_NORM_RESIDENT_LIMIT floats each), so
 * that the second kernel of a pass finds the rows the first one staged (kernels/batch-norm.ts,
 * chunkAt).
 */
import { I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, CompiledModule, Locals, WasmFunction, WasmMemory } from './wasm-module.ts';

/** Floats per staged operand: 64 KiB, so two operands stay in a core's L2 cache. */
export const BATCH_NORM_CHUNK = 16384;
/** Channels the per-channel table holds (three doubles each). */
export const BATCH_NORM_MAX_CHANNELS = 4096;

/** Floats per operand region at most: 16 MiB, so a thread holds at most 32 MiB for batch norm. */
export const BATCH_NORM_RESIDENT_LIMIT = 1 << 22;

// Byte addresses in the module's memory: the forward's table (K_c, or a_c and b_c), the backward's
// table (A_c, B_c, C_c), the row sums of one chunk (rows of S ≥ 4 floats: at most CHUNK / 4 rows,
// two doubles each), then the two operand regions, CHUNK floats each at first.
const TABLE_AT = 0;
const BACKWARD_TABLE_AT = TABLE_AT + 16 * BATCH_NORM_MAX_CHANNELS;
const SUMS_AT = BACKWARD_TABLE_AT + 24 * BATCH_NORM_MAX_CHANNELS;
const DATA_AT = SUMS_AT + 16 * (BATCH_NORM_CHUNK / 4);
const PAGE = 65536;

/** Bytes 0–7 of the first v128 then bytes 0–7 of the second: two demoted pairs as four floats. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** The ReLU's threshold on a double: f32(v) > 0 exactly when v > 2⁻¹⁵⁰ (kernels/batch-norm.ts). */
const RELU_THRESHOLD = 2 ** -150;

/** v128.const of `value` in both double lanes. */
function f64x2Const(value: number): Code {
  const bytes = [...new Uint8Array(new Float64Array([value]).buffer)];
  return [0xfd, 0x0c, ...bytes, ...bytes];
}

/** v (an f64x2) in the lanes where value > 2⁻¹⁵⁰, +0 in the others. */
function keepWhereAbove(value: Code, v: Code): Code {
  return [v, value, f64x2Const(RELU_THRESHOLD), op.f64x2Gt, op.v128And];
}

/** Floats at byte address (local `base`: at, or second for the second operand) + offset and the next one, widened to an f64x2. */
function pairAt(get: Locals['get'], offset: number, base = 'at'): Code {
  return [get(base), op.v128Load64Splat(offset), op.f64x2PromoteLowF32x4];
}

/** One f64 of a table, at table + channel · stride + offset bytes, in both lanes. */
function tableEntry(get: Locals['get'], stride: number, offset: number, table = TABLE_AT): Code {
  return [get('channel'), op.i32Const(stride), op.i32Mul, op.f64Load(table + offset), op.f64x2Splat];
}

/** The sum of a v128's two lanes, stored as the double at (local `out` + offset). */
function storeLaneSum(get: Locals['get'], accumulator: string, offset: number): Code {
  return [get('out'), get(accumulator), op.f64x2ExtractLane(0), get(accumulator), op.f64x2ExtractLane(1), op.f64Add, op.f64Store(offset)];
}

/**
 * The loop shared by the functions: for each of `rows` rows (at = the parameter `at` + row · rowBytes,
 * second = at + secondDelta), run `beforeRow`, then `step` for every 4 floats (at and second advancing
 * by 16), then `afterRow`; row sums go to SUMS_AT + 16 · row; the channel counter wraps at `channels`.
 */
function overRows(locals: Locals, beforeRow: Code, step: Code, afterRow: Code): Code {
  const { get, set } = locals;
  return [
    get('at'), get('secondDelta'), op.i32Add, set('second'),
    op.i32Const(SUMS_AT), set('out'),
    op.loop, // rows
    beforeRow,
    get('at'), get('rowBytes'), op.i32Add, set('end'),
    op.loop, // four floats at a time
    step,
    get('at'), op.i32Const(16), op.i32Add, set('at'),
    get('second'), op.i32Const(16), op.i32Add, set('second'),
    get('at'), get('end'), op.i32LtS, op.brIf(0),
    op.end,
    afterRow,
    get('out'), op.i32Const(16), op.i32Add, set('out'),
    get('channel'), op.i32Const(1), op.i32Add, set('channel'),
    op.i32Const(0), get('channel'), get('channel'), get('channels'), op.i32Eq, op.select, set('channel'),
    get('rows'), op.i32Const(-1), op.i32Add, set('rows'),
    get('rows'), op.brIf(0),
    op.end,
  ];
}

const PARAMETERS = ['rows', 'rowBytes', 'channel', 'channels', 'at', 'secondDelta'];
const COUNTERS: readonly [typeof I32, readonly string[]] = [I32, ['second', 'end', 'out']];

/** into += value, lane-wise (value an f64x2). */
function accumulate(get: Locals['get'], set: Locals['set'], into: string, value: Code): Code {
  return [get(into), value, op.f64x2Add, set(into)];
}

/** The sum loops' accumulators: lanes 0, 1 and lanes 2, 3 of a row's two sums. */
const SUM_ACCUMULATORS = ['first01', 'first23', 'second01', 'second23'];

/**
 * The two sum loops' common form: per row, accumulators first01/first23 and second01/second23 start
 * at 0; each step runs `load` and adds `terms` = [first01, first23, second01, second23] (f64x2 each)
 * into them; after the row, the firsts are stored as the row's first sum and the seconds as its second.
 */
function twoRowSums(locals: Locals, beforeRow: Code, load: Code, terms: readonly [Code, Code, Code, Code]): Code {
  const { get, set } = locals;
  return overRows(locals, [
    beforeRow,
    SUM_ACCUMULATORS.map((name) => [op.v128Zero, set(name)]),
  ], [
    load,
    SUM_ACCUMULATORS.map((name, index) => accumulate(get, set, name, terms[index])),
  ], [
    get('first01'), get('first23'), op.f64x2Add, set('first01'), storeLaneSum(get, 'first01', 0),
    get('second01'), get('second23'), op.f64x2Add, set('second01'), storeLaneSum(get, 'second01', 8),
  ]);
}

/** Per row: Σ(x − K_c) (first) and Σ(x − K_c)² (second). */
function shiftedSums(): WasmFunction {
  return fn('shiftedSums', PARAMETERS, [COUNTERS, [V128, [...SUM_ACCUMULATORS, 'shift', 'd01', 'd23']]], (locals) => {
    const { get, set } = locals;
    return twoRowSums(locals, [tableEntry(get, 8, 0), set('shift')], [
      pairAt(get, 0), get('shift'), op.f64x2Sub, set('d01'),
      pairAt(get, 8), get('shift'), op.f64x2Sub, set('d23'),
    ], [get('d01'), get('d23'), [get('d01'), get('d01'), op.f64x2Mul], [get('d23'), get('d23'), op.f64x2Mul]]);
  });
}

/** The forward's a_c and b_c, from the forward table into locals slope and offset. */
function forwardCoefficients(get: Locals['get'], set: Locals['set']): Code {
  return [tableEntry(get, 16, 0), set('slope'), tableEntry(get, 16, 8), set('offset')];
}

/**
 * Loads the pair of x (SECOND) and of dy (FIRST) at (at + offset) into locals `x` and `g`, and with
 * relu masks g to the lanes where a_c·x + b_c > 2⁻¹⁵⁰ (x is read once for both uses).
 */
function loadGradientPair(locals: Locals, offset: number, relu: boolean, x: string, g: string): Code {
  const { get, set } = locals;
  return [
    pairAt(get, offset, 'second'), set(x),
    relu
      ? keepWhereAbove([get(x), get('slope'), op.f64x2Mul, get('offset'), op.f64x2Add], pairAt(get, offset))
      : pairAt(get, offset),
    set(g),
  ];
}

/** Per row: Σg (first) and Σg·x (second). */
function gradientSums(relu: boolean): WasmFunction {
  return fn(relu ? 'gradientSumsRelu' : 'gradientSums', PARAMETERS, [COUNTERS, [V128, [...SUM_ACCUMULATORS, 'g01', 'g23', 'x01', 'x23', 'slope', 'offset']]], (locals) => {
    const { get } = locals;
    return twoRowSums(locals, relu ? forwardCoefficients(get, locals.set) : [], [
      loadGradientPair(locals, 0, relu, 'x01', 'g01'),
      loadGradientPair(locals, 8, relu, 'x23', 'g23'),
    ], [get('g01'), get('g23'), [get('g01'), get('x01'), op.f64x2Mul], [get('g23'), get('x23'), op.f64x2Mul]]);
  });
}

function affine(relu: boolean): WasmFunction {
  return fn(relu ? 'affineRelu' : 'affine', PARAMETERS, [COUNTERS, [V128, ['slope', 'offset', 'v']]], (locals) => {
    const { get, set } = locals;
    const half = (offset: number): Code => [
      pairAt(get, offset), get('slope'), op.f64x2Mul, get('offset'), op.f64x2Add,
      relu ? [set('v'), keepWhereAbove(get('v'), get('v'))] : [],
      op.f32x4DemoteF64x2Zero,
    ];
    return overRows(locals, forwardCoefficients(get, set), [
      get('at'), half(0), half(8), op.i8x16Shuffle(LOW_HALVES), op.v128Store4Floats(0),
    ], []);
  });
}

function inputGrad(relu: boolean): WasmFunction {
  return fn(relu ? 'inputGradRelu' : 'inputGrad', PARAMETERS, [COUNTERS, [V128, ['scale', 'gradientSlope', 'gradientOffset', 'slope', 'offset', 'x', 'g']]], (locals) => {
    const { get, set } = locals;
    const half = (offset: number): Code => [
      loadGradientPair(locals, offset, relu, 'x', 'g'),
      get('g'), get('scale'), op.f64x2Mul,
      get('x'), get('gradientSlope'), op.f64x2Mul, get('gradientOffset'), op.f64x2Add,
      op.f64x2Add, op.f32x4DemoteF64x2Zero,
    ];
    return overRows(locals, [
      relu ? forwardCoefficients(get, set) : [],
      tableEntry(get, 24, 0, BACKWARD_TABLE_AT), set('scale'),
      tableEntry(get, 24, 8, BACKWARD_TABLE_AT), set('gradientSlope'),
      tableEntry(get, 24, 16, BACKWARD_TABLE_AT), set('gradientOffset'),
    ], [
      get('at'), half(0), half(8), op.i8x16Shuffle(LOW_HALVES), op.v128Store4Floats(0),
    ], []);
  });
}

type RowLoop = (rows: number, rowBytes: number, channel: number, channels: number, at: number, secondDelta: number) => void;

/** Which rows of which pass the operand regions hold (kernels/batch-norm.ts: the second kernel of a pass reuses them). */
export interface ResidentRows {
  /** The pass (kernels/batch-norm.ts passTag); 0 when the regions hold nothing to reuse. */
  pass: number;
  rowStart: number;
  rowEnd: number;
}

export interface SimdBatchNorm {
  /** Floats per chunk of rows (BATCH_NORM_CHUNK), and channels the tables hold. */
  readonly chunk: number;
  readonly maxChannels: number;
  /** The module's memory as floats and as doubles (new views after the memory grows). */
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  /** The two tables and the row sums (in doubles); the first operand region (in floats). */
  readonly tableAt: number;
  readonly backwardTableAt: number;
  readonly sumsAt: number;
  readonly dataAt: number;
  /** Floats each operand region holds; the second starts `capacity` floats after the first. */
  readonly capacity: number;
  /** Grows both operand regions to hold `floats` each; false (and no change) above BATCH_NORM_RESIDENT_LIMIT. */
  reserve(floats: number): boolean;
  /** What the operand regions hold, when a pass's first kernel left its rows there (one record, updated in place). */
  readonly resident: ResidentRows;
  readonly shiftedSums: RowLoop;
  readonly gradientSums: RowLoop;
  readonly gradientSumsRelu: RowLoop;
  readonly affine: RowLoop;
  readonly affineRelu: RowLoop;
  readonly inputGrad: RowLoop;
  readonly inputGradRelu: RowLoop;
}

let compiled: CompiledModule | null | undefined;

/** The SIMD batch-norm row loops over their own memory, or undefined without WebAssembly SIMD. */
export function instantiateSimdBatchNorm(): SimdBatchNorm | undefined {
  compiled ??= compileModule(() => assembleModule([
    shiftedSums(), gradientSums(false), gradientSums(true), affine(false), affine(true), inputGrad(false), inputGrad(true),
  ]));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil((DATA_AT + 8 * BATCH_NORM_CHUNK) / PAGE));
  const wasmMemory = memory as WasmMemory;
  const loops = exports as Pick<SimdBatchNorm, 'shiftedSums' | 'gradientSums' | 'gradientSumsRelu' | 'affine' | 'affineRelu' | 'inputGrad' | 'inputGradRelu'>;
  const engine = {
    chunk: BATCH_NORM_CHUNK, maxChannels: BATCH_NORM_MAX_CHANNELS,
    f32: new Float32Array(wasmMemory.buffer), f64: new Float64Array(wasmMemory.buffer),
    tableAt: TABLE_AT / 8, backwardTableAt: BACKWARD_TABLE_AT / 8, sumsAt: SUMS_AT / 8, dataAt: DATA_AT / 4,
    capacity: BATCH_NORM_CHUNK,
    resident: { pass: 0, rowStart: 0, rowEnd: 0 } as ResidentRows,
    reserve(floats: number): boolean {
      if (floats <= engine.capacity) return true;
      if (floats > BATCH_NORM_RESIDENT_LIMIT) return false;
      wasmMemory.grow(Math.ceil((DATA_AT + 8 * floats) / PAGE) - wasmMemory.buffer.byteLength / PAGE);
      engine.f32 = new Float32Array(wasmMemory.buffer);
      engine.f64 = new Float64Array(wasmMemory.buffer);
      engine.capacity = floats;
      engine.resident.pass = 0; // the second region moved
      return true;
    },
    ...loops,
  };
  return engine;
}
