/**
 * macroKernelPortable (kernels/gemm-macro-kernel.ts) in WebAssembly SIMD, built by wasm-module.ts: the same
 * heap layout and the same sums in the same order, four float32 lanes per register. One register tile
 * is a whole A panel by a whole B panel — MR rows × 8 columns of C, in 2·MR f32x4 accumulators — with
 * the eight values of a B panel row in two registers and each A value loaded into all four lanes:
 *
 *   for p ascending:  colsA = B[p][0..3], colsB = B[p][4..7]
 *                     for row i: a = A[i][p] (4 lanes);  sum[i]A += a·colsA;  sum[i]B += a·colsB
 *   then for row i:   C_block[i][0..3] += sum[i]A;  C_block[i][4..7] += sum[i]B
 *
 * The lanes run across four neighbouring columns of C — independent outputs — never across the terms
 * of one sum, so each C element is still the sequential float32 sum of its column of products.
 * f32x4.mul then f32x4.add are, lane by lane, the scalar IEEE single-precision operations (two
 * roundings: no fused multiply-add exists outside relaxed SIMD, which is never used here), so C_block
 * gets the bits the portable and asm.js kernels give (a spec checks it). Register budget on x86-64
 * (16 vector registers): 2·MR sums + 2 B rows + 1 splat = 11 with MR = 4. (MR = 6, 15 registers, and
 * unrolling p by two both measured 40 % slower on Node 20: V8 then spills to the stack.) The loop
 * reaches ~50 GFLOP/s on the reference machine, near the ~48 peak of non-fused f32x4 there.
 * Arguments as macroKernel's: rows, cols, depth, cRow.
 */
import { I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, Locals } from './wasm-module.ts';

/**
 * Where kernels/gemm-macro-kernel.ts places the blocks (Float32 element offsets), the C block's row
 * stride, and the panel widths: A panels of `panelRows` rows, B panels of 8 columns.
 */
export interface MacroKernelLayout {
  readonly aBlockStart: number;
  readonly bBlockStart: number;
  readonly cBlockStart: number;
  readonly cBlockStride: number;
  readonly panelRows: number;
  readonly panelCols: 8;
}

function increment({ get, set }: Locals, name: string, amount: number): Code {
  return [get(name), op.i32Const(amount), op.i32Add, set(name)];
}

/** The macro-kernel's module bytes: one function, `macroKernel(rows, cols, depth, cRow)`. */
function macroKernelModule({ aBlockStart, bBlockStart, cBlockStart, cBlockStride, panelRows }: MacroKernelLayout): Uint8Array {
  const rows = Array.from({ length: panelRows }, (_, row) => row);
  const sums = rows.flatMap((row) => [`sum${row}A`, `sum${row}B`]);
  const aStepBytes = panelRows * 4;
  const macroKernel = fn('macroKernel', ['rows', 'cols', 'depth', 'cRow'], [
    [I32, ['panelRow', 'panelCol', 'a', 'b', 'aEnd', 'bPanel', 'out']],
    [V128, ['value', 'colsA', 'colsB', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), set('panelCol'),
      op.loop, // over B panels (8 columns of C each)
      // bPanel = bBlockStart·4 + panelCol·depth·4 (bytes)
      op.i32Const(bBlockStart * 4), get('panelCol'), get('depth'), op.i32Mul, op.i32Const(2), op.i32Shl, op.i32Add, set('bPanel'),
      op.i32Const(0), set('panelRow'),
      op.loop, // over A panels (panelRows rows of C each)
      op.i32Const(aBlockStart * 4), get('panelRow'), get('depth'), op.i32Mul, op.i32Const(2), op.i32Shl, op.i32Add, set('a'),
      get('bPanel'), set('b'),
      get('a'), get('depth'), op.i32Const(aStepBytes), op.i32Mul, op.i32Add, set('aEnd'),
      sums.map((sum) => [op.v128Zero, set(sum)]),
      op.loop, // over p
      get('b'), op.v128Load4Floats(0), set('colsA'),
      get('b'), op.v128Load4Floats(16), set('colsB'),
      rows.map((row) => [
        get('a'), op.v128Load32Splat(4 * row), set('value'),
        get(`sum${row}A`), get('value'), get('colsA'), op.f32x4Mul, op.f32x4Add, set(`sum${row}A`),
        get(`sum${row}B`), get('value'), get('colsB'), op.f32x4Mul, op.f32x4Add, set(`sum${row}B`),
      ]),
      increment(locals, 'a', aStepBytes), increment(locals, 'b', 32),
      get('a'), get('aEnd'), op.i32LtS, op.brIf(0),
      op.end,
      // out = cBlockStart·4 + ((cRow + panelRow)·cBlockStride + panelCol)·4, one C row per register pair.
      op.i32Const(cBlockStart * 4), get('cRow'), get('panelRow'), op.i32Add, op.i32Const(cBlockStride), op.i32Mul, get('panelCol'), op.i32Add,
      op.i32Const(2), op.i32Shl, op.i32Add, set('out'),
      // C_block = f32(C_block + sum), four columns per instruction.
      rows.map((row) => [
        get('out'), get('out'), op.v128Load4Floats(0), get(`sum${row}A`), op.f32x4Add, op.v128Store4Floats(0),
        get('out'), get('out'), op.v128Load4Floats(16), get(`sum${row}B`), op.f32x4Add, op.v128Store4Floats(16),
        increment(locals, 'out', cBlockStride * 4),
      ]),
      increment(locals, 'panelRow', panelRows), get('panelRow'), get('rows'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'panelCol', 8), get('panelCol'), get('cols'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
  return assembleModule([macroKernel]);
}

/**
 * The SIMD macro-kernel over a fresh heap of `bytes`, or undefined where the engine has no
 * WebAssembly SIMD. `view` is the heap as floats, as for the other kernels.
 */
export function instantiateSimdMacroKernel(
  layout: MacroKernelLayout, bytes: number,
): { view: Float32Array; run: (rows: number, cols: number, depth: number, cRow: number) => void } | undefined {
  const compiled = compileModule(() => macroKernelModule(layout));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil(bytes / 65536));
  return { view: new Float32Array(memory.buffer), run: (exports as { macroKernel(rows: number, cols: number, depth: number, cRow: number): void }).macroKernel };
}
