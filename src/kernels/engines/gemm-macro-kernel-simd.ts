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
import { I32, V128, assembleModule, compileModule, fn, instantiate, op, packOps } from './wasm-module.ts';
import type { Code, Locals, WasmFunction } from './wasm-module.ts';

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
  return assembleModule([macroKernel, gatherPanels(4), gatherPanels(8), transposePanels(4), transposePanels(8)]);
}

/*
 * The packers. gemm.ts copies the lines of an operand (rows or columns of the stored matrix, whichever
 * are contiguous) into the heap's staging area with TypedArray.set — a native memcpy — and one of
 * these functions rearranges them into the panels the macro-kernel reads (layout in
 * gemm-macro-kernel.ts). They only move floats, never compute with them, so the bits are those of the
 * TypeScript packers; they replace loops that cost 10–20 % of a 512³ product in plain JavaScript.
 * Arguments in bytes except the counts; `from` is the first staged line, `stride` the distance
 * between staged lines, `to` where panel 0 goes; depth ≥ 1 and panels ≥ 1.
 */

/**
 * `gatherPanels${width}(from, stride, to, depth, panels)`: staged line p holds the values of depth p
 * side by side; panel q takes `width` (4 or 8) of them from each line, p ascending:
 *   to[q·depth·width + p·width + t] = from[p·stride + q·width + t]      (in floats)
 * One or two v128 copies per step of p. (Row p of a plain B; row p of a transposed A.)
 */
function gatherPanels(width: 4 | 8): WasmFunction {
  const widthBytes = width * 4;
  return fn(`gatherPanels${width}`, ['from', 'stride', 'to', 'depth', 'panels'], [[I32, ['panel', 'line', 'source', 'end']]], (locals) => {
    const { get, set } = locals;
    return [
      op.i32Const(0), set('panel'), get('from'), set('line'),
      op.loop, // over panels
      get('line'), set('source'),
      get('to'), get('depth'), op.i32Const(widthBytes), op.i32Mul, op.i32Add, set('end'),
      op.loop, // over p
      get('to'), get('source'), op.v128Load4Floats(0), op.v128Store4Floats(0),
      width === 8 ? [get('to'), get('source'), op.v128Load4Floats(16), op.v128Store4Floats(16)] : [],
      get('source'), get('stride'), op.i32Add, set('source'),
      increment(locals, 'to', widthBytes),
      get('to'), get('end'), op.i32LtS, op.brIf(0),
      op.end,
      increment(locals, 'line', widthBytes),
      increment(locals, 'panel', 1), get('panel'), get('panels'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/**
 * `transposePanels${lines}(from, stride, to, depth, panels)`: staged line t holds depth values of
 * one row of the panels (a row of a plain A, a column of a transposed B); panel q interleaves lines
 * q·lines .. q·lines + lines − 1 (lines = 4 or 8), p-major:
 *   to[q·depth·lines + p·lines + t] = from[(q·lines + t)·stride + p]     (in floats)
 * Four lines by four values at a time: four v128 loads, a 4 × 4 transpose in eight shuffles, four
 * stores; the last depth mod 4 values one float at a time.
 */
function transposePanels(lines: 4 | 8): WasmFunction {
  const stepBytes = lines * 4; // one value of p in a panel
  const vectors = ['row0', 'row1', 'row2', 'row3', 'pair0', 'pair1', 'pair2', 'pair3'];
  return fn(`transposePanels${lines}`, ['from', 'stride', 'to', 'depth', 'panels'], [
    [I32, ['panel', 'line', 'source', 'end', 'quadBytes', 'stride2', 'stride3', 'stride4', 'upper']],
    [V128, vectors],
  ], (locals) => {
    const { get, set } = locals;
    const lineAt = (base: string, t: number): Code =>
      [get(base), ...(t === 0 ? [] : [get(t === 1 ? 'stride' : t === 2 ? 'stride2' : 'stride3'), op.i32Add])];
    // Lines g·4 .. g·4+3 (base: source for g = 0, upper = source + 4·stride for g = 1).
    const quad = (g: number): Code => {
      const base = g === 0 ? 'source' : 'upper';
      return [
        [0, 1, 2, 3].map((t) => [lineAt(base, t), op.v128Load4Floats(0), set(`row${t}`)]),
        // pair0 = r0[0] r1[0] r0[1] r1[1], pair1 = r0[2] r1[2] r0[3] r1[3], pair2/3 likewise of r2, r3
        get('row0'), get('row1'), packOps.f32x4Shuffle([0, 4, 1, 5]), set('pair0'),
        get('row0'), get('row1'), packOps.f32x4Shuffle([2, 6, 3, 7]), set('pair1'),
        get('row2'), get('row3'), packOps.f32x4Shuffle([0, 4, 1, 5]), set('pair2'),
        get('row2'), get('row3'), packOps.f32x4Shuffle([2, 6, 3, 7]), set('pair3'),
        // value p + j of the four lines: r0[j] r1[j] r2[j] r3[j]
        get('to'), get('pair0'), get('pair2'), packOps.f32x4Shuffle([0, 1, 4, 5]), op.v128Store4Floats(g * 16),
        get('to'), get('pair0'), get('pair2'), packOps.f32x4Shuffle([2, 3, 6, 7]), op.v128Store4Floats(stepBytes + g * 16),
        get('to'), get('pair1'), get('pair3'), packOps.f32x4Shuffle([0, 1, 4, 5]), op.v128Store4Floats(2 * stepBytes + g * 16),
        get('to'), get('pair1'), get('pair3'), packOps.f32x4Shuffle([2, 3, 6, 7]), op.v128Store4Floats(3 * stepBytes + g * 16),
      ];
    };
    const upper = lines === 8 ? [get('source'), get('stride4'), op.i32Add, set('upper')] : [];
    return [
      get('stride'), op.i32Const(1), op.i32Shl, set('stride2'),
      get('stride2'), get('stride'), op.i32Add, set('stride3'),
      get('stride'), op.i32Const(2), op.i32Shl, set('stride4'),
      get('depth'), op.i32Const(~3), op.i32And, op.i32Const(2), op.i32Shl, set('quadBytes'),
      op.i32Const(0), set('panel'), get('from'), set('line'),
      op.loop, // over panels
      get('line'), set('source'),
      packOps.block, // four values of p at a time, while four remain
      get('quadBytes'), packOps.i32Eqz, op.brIf(0),
      get('line'), get('quadBytes'), op.i32Add, set('end'),
      op.loop,
      upper, quad(0), lines === 8 ? quad(1) : [],
      increment(locals, 'source', 16), increment(locals, 'to', 4 * stepBytes),
      get('source'), get('end'), op.i32LtS, op.brIf(0),
      op.end,
      op.end,
      packOps.block, // the last depth mod 4 values of p, one float per line
      get('line'), get('depth'), op.i32Const(2), op.i32Shl, op.i32Add, set('end'),
      get('source'), get('end'), packOps.i32GeS, op.brIf(0),
      op.loop,
      upper,
      Array.from({ length: lines }, (_, t) => [
        get('to'), lineAt(t < 4 ? 'source' : 'upper', t % 4), op.f32Load(0), op.f32Store(t * 4),
      ]),
      increment(locals, 'source', 4), increment(locals, 'to', stepBytes),
      get('source'), get('end'), op.i32LtS, op.brIf(0),
      op.end,
      op.end,
      get('line'), get('stride4'), lines === 8 ? [op.i32Const(1), op.i32Shl] : [], op.i32Add, set('line'),
      increment(locals, 'panel', 1), get('panel'), get('panels'), op.i32LtS, op.brIf(0),
      op.end,
    ];
  });
}

/**
 * The four packers of the SIMD module, in heap floats (the binding converts to bytes): each reads
 * staged lines `stride` floats apart from `from` and writes panels from `to` (see the functions).
 */
export interface SimdPanelPackers {
  gather(width: 4 | 8, from: number, stride: number, to: number, depth: number, panels: number): void;
  transpose(lines: 4 | 8, from: number, stride: number, to: number, depth: number, panels: number): void;
}

/**
 * The SIMD macro-kernel over a fresh heap of `bytes`, or undefined where the engine has no
 * WebAssembly SIMD. `view` is the heap as floats, as for the other kernels.
 */
export function instantiateSimdMacroKernel(
  layout: MacroKernelLayout, bytes: number,
): { view: Float32Array; run: (rows: number, cols: number, depth: number, cRow: number) => void; packers: SimdPanelPackers } | undefined {
  const compiled = compileModule(() => macroKernelModule(layout));
  if (compiled === null) return undefined;
  const { memory, exports } = instantiate(compiled, Math.ceil(bytes / 65536));
  type Packer = (from: number, stride: number, to: number, depth: number, panels: number) => void;
  const functions = exports as Record<'gatherPanels4' | 'gatherPanels8' | 'transposePanels4' | 'transposePanels8', Packer> & {
    macroKernel(rows: number, cols: number, depth: number, cRow: number): void;
  };
  const { gatherPanels4, gatherPanels8, transposePanels4, transposePanels8 } = functions;
  const packers: SimdPanelPackers = {
    gather: (width, from, stride, to, depth, panels) =>
      (width === 4 ? gatherPanels4 : gatherPanels8)(from * 4, stride * 4, to * 4, depth, panels),
    transpose: (lines, from, stride, to, depth, panels) =>
      (lines === 4 ? transposePanels4 : transposePanels8)(from * 4, stride * 4, to * 4, depth, panels),
  };
  return { view: new Float32Array(memory.buffer), run: functions.macroKernel, packers };
}
