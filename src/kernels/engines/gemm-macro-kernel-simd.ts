/**
 * macroKernelPortable (kernels/gemm-macro-kernel.ts) in WebAssembly SIMD, built by wasm-module.ts: the same
 * heap layout, the same 4 × 4 register tile, the same sums in the same order, with the four columns
 * of a B panel row held as two f64x2 pairs and each A value loaded into both lanes:
 *
 *   for p ascending:  colsA = B[p][0..1], colsB = B[p][2..3]
 *                     for row i: a = A[p][i] (both lanes);  sum[i]A += a·colsA;  sum[i]B += a·colsB
 *
 * Lane-wise f64x2.mul and f64x2.add are the scalar IEEE operations, so C_block gets the bits the
 * portable and asm.js kernels give (a spec checks it); 16 sums fit in 8 of x86-64's 16 vector
 * registers, where the scalar kernels spill. Arguments as macroKernel's: rows, cols, depth.
 */
import { I32, V128, assembleModule, compileModule, fn, instantiate, op } from './wasm-module.ts';
import type { Code, Locals } from './wasm-module.ts';

/** Where kernels/gemm-macro-kernel.ts places the blocks (Float64 element offsets) and the C block's row stride. */
export interface MacroKernelLayout {
  readonly aBlockStart: number;
  readonly bBlockStart: number;
  readonly cBlockStart: number;
  readonly cBlockStride: number;
}

function increment({ get, set }: Locals, name: string, amount: number): Code {
  return [get(name), op.i32Const(amount), op.i32Add, set(name)];
}

/** The macro-kernel's module bytes: one function, `macroKernel(rows, cols, depth)`. */
function macroKernelModule({ aBlockStart, bBlockStart, cBlockStart, cBlockStride }: MacroKernelLayout): Uint8Array {
  const sums = [0, 1, 2, 3].flatMap((row) => [`sum${row}A`, `sum${row}B`]);
  const macroKernel = fn('macroKernel', ['rows', 'cols', 'depth'], [
    [I32, ['panelRow', 'panelCol', 'a', 'b', 'aEnd', 'bPanel', 'out']],
    [V128, ['value', 'colsA', 'colsB', ...sums]],
  ], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), set('panelCol'),
      op.loop, // over B panels (4 columns of C each)
      op.i32Const(bBlockStart * 8), get('panelCol'), get('depth'), op.i32Mul, op.i32Const(3), op.i32Shl, op.i32Add, set('bPanel'),
      op.i32Const(0), set('panelRow'),
      op.loop, // over A panels (4 rows of C each)
      op.i32Const(aBlockStart * 8), get('panelRow'), get('depth'), op.i32Mul, op.i32Const(3), op.i32Shl, op.i32Add, set('a'),
      get('bPanel'), set('b'),
      get('a'), get('depth'), op.i32Const(5), op.i32Shl, op.i32Add, set('aEnd'),
      sums.map((sum) => [op.v128Zero, set(sum)]),
      op.loop, // over p
      get('b'), op.v128Load(0), set('colsA'),
      get('b'), op.v128Load(16), set('colsB'),
      [0, 1, 2, 3].map((row) => [
        get('a'), op.v128Load64Splat(8 * row), set('value'),
        get(`sum${row}A`), get('value'), get('colsA'), op.f64x2Mul, op.f64x2Add, set(`sum${row}A`),
        get(`sum${row}B`), get('value'), get('colsB'), op.f64x2Mul, op.f64x2Add, set(`sum${row}B`),
      ]),
      increment(locals, 'a', 32), increment(locals, 'b', 32),
      get('a'), get('aEnd'), op.i32LtS, op.brIf(0),
      op.end,
      // out = cBlockStart + (panelRow·cBlockStride + panelCol)·8, one C row per register pair.
      op.i32Const(cBlockStart * 8), get('panelRow'), op.i32Const(cBlockStride), op.i32Mul, get('panelCol'), op.i32Add,
      op.i32Const(3), op.i32Shl, op.i32Add, set('out'),
      [0, 1, 2, 3].map((row) => [
        get('out'), get(`sum${row}A`), op.v128Store(0),
        get('out'), get(`sum${row}B`), op.v128Store(16),
        increment(locals, 'out', cBlockStride * 8),
      ]),
      increment(locals, 'panelRow', 4), get('panelRow'), get('rows'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'panelCol', 4), get('panelCol'), get('cols'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
  return assembleModule([macroKernel]);
}

/**
 * The SIMD macro-kernel over a fresh heap of `bytes`, or undefined where the engine has no
 * WebAssembly SIMD. `view` is the heap as doubles, as for the other kernels.
 */
export function instantiateSimdMacroKernel(
  layout: MacroKernelLayout, bytes: number,
): { view: Float64Array; run: (rows: number, cols: number, depth: number) => void } | undefined {
  const compiled = compileModule(() => macroKernelModule(layout));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil(bytes / 65536));
  return { view: new Float64Array(memory.buffer), run: (exports as { macroKernel(rows: number, cols: number, depth: number): void }).macroKernel };
}
