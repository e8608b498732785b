/**
 * kernels/relu.ts's two loops as WebAssembly SIMD: four floats per v128, the same bit-mask select.
 *
 *   mask = (bits > 0) & (bits < 0x7f800001)     (signed int32 compares, lane-wise: all ones or 0)
 *   forward   y  = x  & mask(x)
 *   backward  dx = dy & mask(x)
 *
 * — exactly positiveMask in relu.ts: the float32 values > 0 are the bit patterns 0x00000001 …
 * 0x7f800000. Integer operations only, so the bits are those of the plain loops on every input.
 *
 * WebAssembly cannot read a JavaScript Float32Array in place, so relu.ts moves the data through this
 * module's memory in chunks of RELU_CHUNK floats (block copies, memcpy speed, in cache): even with
 * the copies in and out that is about 2× the JavaScript loop's speed (whose per-element integer work
 * V8 does not vectorize).
 */
import { V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, CompiledModule, Locals, WasmFunction, WasmMemory } from './wasm-module.ts';

/** Floats per chunk: 2 chunks (x and dy) of 64 KiB stay in a core's L2 cache. */
export const RELU_CHUNK = 16384;

/** mask(value) & (the v128 in `masked`), left on the stack. */
function maskedBy({ get }: Locals, value: string, masked: string): Code {
  return [
    get(value), get('zero'), op.i32x4GtS,
    get(value), get('limit'), op.i32x4LtS, op.v128And,
    get(masked), op.v128And,
  ];
}

/** In place: the `count` floats at byte address `at` (count a multiple of 4, ≥ 4) become max-select. */
function reluForwardSimd(): WasmFunction {
  return fn('reluForward', ['at', 'end'], [[V128, ['zero', 'limit', 'x']]], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), op.i32x4Splat, set('zero'),
      op.i32Const(0x7f800001), op.i32x4Splat, set('limit'),
      op.loop,
      get('at'), op.v128Load4Floats(0), set('x'),
      get('at'), maskedBy(locals, 'x', 'x'), op.v128Store4Floats(0),
      get('at'), op.i32Const(16), op.i32Add, set('at'),
      get('at'), get('end'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/** In place on dy: dy[i] = dy[i] & mask(x[i]) for the floats from byte addresses xAt and dyAt until dyAt reaches end. */
function reluBackwardSimd(): WasmFunction {
  return fn('reluBackward', ['xAt', 'dyAt', 'end'], [[V128, ['zero', 'limit', 'x', 'dy']]], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), op.i32x4Splat, set('zero'),
      op.i32Const(0x7f800001), op.i32x4Splat, set('limit'),
      op.loop,
      get('xAt'), op.v128Load4Floats(0), set('x'),
      get('dyAt'), op.v128Load4Floats(0), set('dy'),
      get('dyAt'), maskedBy(locals, 'x', 'dy'), op.v128Store4Floats(0),
      get('xAt'), op.i32Const(16), op.i32Add, set('xAt'),
      get('dyAt'), op.i32Const(16), op.i32Add, set('dyAt'),
      get('dyAt'), get('end'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

export interface SimdRelu {
  /** Floats per chunk (RELU_CHUNK). */
  readonly chunk: number;
  /** The module's memory as floats: chunk 0 at element 0, chunk 1 at element `chunk`. */
  readonly f32: Float32Array;
  reluForward(at: number, end: number): void;
  reluBackward(xAt: number, dyAt: number, end: number): void;
}

let compiled: CompiledModule | null | undefined;

/** The SIMD ReLU loops over a memory of two chunks, or undefined without WebAssembly SIMD. */
export function instantiateSimdRelu(): SimdRelu | undefined {
  compiled ??= compileModule(() => assembleModule([reluForwardSimd(), reluBackwardSimd()]));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil((2 * RELU_CHUNK * 4) / 65536));
  const loops = exports as unknown as { reluForward(at: number, end: number): void; reluBackward(xAt: number, dyAt: number, end: number): void };
  return { chunk: RELU_CHUNK, f32: new Float32Array((memory as WasmMemory).buffer), reluForward: loops.reluForward, reluBackward: loops.reluBackward };
}
