/**
 * kernels/pooling.ts's 2×2 stride-2 max pooling forward as WebAssembly SIMD: four windows per step.
 *
 * Per step, the two input rows of four neighbouring windows load as four v128 (8 floats per row),
 * and shuffles split them into the windows' top-left a, top-right b, bottom-left c and bottom-right d
 * (even and odd columns). Then the scalar loop's rule, lane by lane:
 *   best = a;  for candidate in b, c, d:  if candidate > best (strictly; false with a NaN): best = candidate
 * with a mask and bitselect instead of the `if` — the same comparisons in the same order, so the same
 * winner and flat index (first maximum on ties; a NaN in a is never replaced, later NaNs never win).
 * The winning value is stored as best · 1: exact for every number, and a signaling NaN comes out
 * quiet, as it does from the TypeScript loop (whose float32 → double → float32 round trip quiets it).
 *
 * pooling.ts moves planes through this module's memory in chunks (block copies).
 */
import { I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, CompiledModule, WasmFunction, WasmMemory } from './wasm-module.ts';

/** Input floats per chunk (whole planes); outputs and argmax of a chunk take a quarter of that each. */
export const MAX_POOL_CHUNK = 16384;
const OUTPUT_AT = 4 * MAX_POOL_CHUNK;
const ARGMAX_AT = OUTPUT_AT + MAX_POOL_CHUNK;

/** Byte lanes of the even (0, 2, 4, 6) and odd (1, 3, 5, 7) floats of two v128. */
const EVEN = [0, 2, 4, 6].flatMap((float) => [0, 1, 2, 3].map((byte) => 4 * float + byte));
const ODD = [1, 3, 5, 7].flatMap((float) => [0, 1, 2, 3].map((byte) => 4 * float + byte));

/**
 * maxPool2x2(planes, outputHeight, outputWidth, inputWidth, planeSize, firstIndex): the chunk's planes
 * sit at byte 0 (planeSize floats each), outputs at OUTPUT_AT and flat indices (firstIndex + position
 * in the chunk) at ARGMAX_AT, both [planes][H′][W′]. outputWidth is a multiple of 4; every count ≥ 1.
 */
function maxPool2x2(): WasmFunction {
  return fn('maxPool2x2', ['planes', 'outputHeight', 'outputWidth', 'inputWidth', 'planeSize', 'firstIndex'], [
    [I32, ['plane', 'y', 'planeAt', 'planeIndex', 'top', 'bottom', 'out', 'arg', 'rowEnd', 'rowBytes']],
    [V128, ['t0', 't1', 'b0', 'b1', 'c', 'd', 'best', 'index', 'base', 'mask', 'one', 'right', 'below', 'belowRight', 'eight']],
  ], (locals) => {
    const { get, set } = locals;
    const splat = (value: Code): Code => [value, op.i32x4Splat];
    /** if candidate > best: best = candidate, index = base + offset (offset a splat local). */
    const challenge = (candidate: Code, offset: string): Code => [
      candidate, set('c'),
      get('c'), get('best'), op.f32x4Gt, set('mask'),
      get('c'), get('best'), get('mask'), op.v128Bitselect, set('best'),
      get('base'), get(offset), op.i32x4Add, get('index'), get('mask'), op.v128Bitselect, set('index'),
    ];
    return [
      op.i32Const(0x3f800000), op.i32x4Splat, set('one'), // 1.0f in every lane
      splat(op.i32Const(1)), set('right'),
      splat(get('inputWidth')), set('below'),
      get('inputWidth'), op.i32Const(1), op.i32Add, op.i32x4Splat, set('belowRight'),
      splat(op.i32Const(8)), set('eight'),
      get('inputWidth'), op.i32Const(2), op.i32Shl, set('rowBytes'),
      op.i32Const(0), set('planeAt'), get('firstIndex'), set('planeIndex'),
      op.i32Const(OUTPUT_AT), set('out'), op.i32Const(ARGMAX_AT), set('arg'),
      op.i32Const(0), set('plane'),
      op.loop, // over planes
      op.i32Const(0), set('y'),
      op.loop, // over output rows
      get('planeAt'), get('y'), get('rowBytes'), op.i32Mul, op.i32Const(1), op.i32Shl, op.i32Add, set('top'),
      get('top'), get('rowBytes'), op.i32Add, set('bottom'),
      // Flat indices of the four windows' top-left inputs: row start + 0, 2, 4, 6.
      get('planeIndex'), get('y'), get('inputWidth'), op.i32Mul, op.i32Const(1), op.i32Shl, op.i32Add, op.i32x4Splat,
      op.i32x4Const([0, 2, 4, 6]), op.i32x4Add, set('base'),
      get('out'), get('outputWidth'), op.i32Const(2), op.i32Shl, op.i32Add, set('rowEnd'),
      op.loop, // over groups of four windows
      get('top'), op.v128Load4Floats(0), set('t0'), get('top'), op.v128Load4Floats(16), set('t1'),
      get('bottom'), op.v128Load4Floats(0), set('b0'), get('bottom'), op.v128Load4Floats(16), set('b1'),
      get('t0'), get('t1'), op.i8x16Shuffle(EVEN), set('best'),
      get('base'), set('index'),
      challenge([get('t0'), get('t1'), op.i8x16Shuffle(ODD)], 'right'),
      challenge([get('b0'), get('b1'), op.i8x16Shuffle(EVEN)], 'below'),
      challenge([get('b0'), get('b1'), op.i8x16Shuffle(ODD)], 'belowRight'),
      get('out'), get('best'), get('one'), op.f32x4Mul, op.v128Store4Floats(0),
      get('arg'), get('index'), op.v128Store4Floats(0),
      get('base'), get('eight'), op.i32x4Add, set('base'),
      get('top'), op.i32Const(32), op.i32Add, set('top'),
      get('bottom'), op.i32Const(32), op.i32Add, set('bottom'),
      get('arg'), op.i32Const(16), op.i32Add, set('arg'),
      get('out'), op.i32Const(16), op.i32Add, set('out'),
      get('out'), get('rowEnd'), op.i32LtS, op.brIf(0),
      op.end,
      get('y'), op.i32Const(1), op.i32Add, set('y'), get('y'), get('outputHeight'), op.i32LtS, op.brIf(0),
      op.end,
      get('planeAt'), get('planeSize'), op.i32Const(2), op.i32Shl, op.i32Add, set('planeAt'),
      get('planeIndex'), get('planeSize'), op.i32Add, set('planeIndex'),
      get('plane'), op.i32Const(1), op.i32Add, set('plane'), get('plane'), get('planes'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

export interface SimdMaxPool {
  /** Input floats per chunk (MAX_POOL_CHUNK): whole planes. */
  readonly chunk: number;
  /** The module's memory: input planes from element 0, outputs from outputAt, flat indices from argmaxAt. */
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly outputAt: number;
  readonly argmaxAt: number;
  maxPool2x2(planes: number, outputHeight: number, outputWidth: number, inputWidth: number, planeSize: number, firstIndex: number): void;
}

let compiled: CompiledModule | null | undefined;

/** The SIMD 2×2 max pooling over its own memory, or undefined without WebAssembly SIMD. */
export function instantiateSimdMaxPool(): SimdMaxPool | undefined {
  compiled ??= compileModule(() => assembleModule([maxPool2x2()]));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil((ARGMAX_AT + MAX_POOL_CHUNK) / 65536));
  const buffer = (memory as WasmMemory).buffer;
  return {
    chunk: MAX_POOL_CHUNK, f32: new Float32Array(buffer), i32: new Int32Array(buffer), outputAt: OUTPUT_AT / 4, argmaxAt: ARGMAX_AT / 4,
    maxPool2x2: (exports as { maxPool2x2: SimdMaxPool['maxPool2x2'] }).maxPool2x2,
  };
}
