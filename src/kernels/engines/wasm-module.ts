/**
 * A tiny WebAssembly assembler: just enough of the binary format to write the SIMD loops of
 * conv-tiles-simd.ts in TypeScript, as lists of instructions, and turn them into a module at run
 * time. No toolchain, no binary blobs in the repository: the bytes are built from the code you read.
 *
 * What a module built here looks like (the WebAssembly core spec, "Binary Format"):
 *   magic "\0asm", version 1, then sections — types (one per function: (i32 …) → ()), the imported
 *   memory "env"."memory", functions, exports (each function under its name), code (locals + body).
 * Numbers are LEB128-encoded; every function here takes only i32 parameters and returns nothing.
 *
 * Instructions are byte arrays (nested arrays are flattened), built with the helpers in `op`. A
 * function's locals have names: `fn` hands its body builder `get(name)` and `set(name)`.
 * Only the instructions the kernels use are here; opcodes are from the core spec and the SIMD
 * proposal (fixed since 2021, in every current engine: V8 ≥ 9.1, Firefox ≥ 89, Safari ≥ 16.4).
 */

/** Unsigned LEB128. */
export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128 (for i32.const). */
export function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

/** An instruction sequence: bytes, possibly nested. */
export type Code = number | readonly Code[];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** memarg: log2 of the alignment hint, then the constant byte offset. Default: 8-aligned doubles. */
const memarg = (offset: number, log2Align = 3): number[] => [log2Align, ...unsignedLeb(offset)];

export const op = {
  /** `loop` with no result; `br_if 0` inside it jumps back to its start. */
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number): number[] => [0x0d, ...unsignedLeb(depth)],
  localGet: (index: number): number[] => [0x20, ...unsignedLeb(index)],
  localSet: (index: number): number[] => [0x21, ...unsignedLeb(index)],
  i32Const: (value: number): number[] => [0x41, ...signedLeb(value)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32LtS: [0x48],
  /** i32.load with a 4-byte alignment hint. */
  i32Load: (offset = 0): number[] => [0x28, 2, ...unsignedLeb(offset)],
  f64Load: (offset = 0): number[] => [0x2b, ...memarg(offset)],
  f64Store: (offset = 0): number[] => [0x39, ...memarg(offset)],
  /** Two doubles from memory into one v128. */
  v128Load: (offset = 0): number[] => [0xfd, 0x00, ...memarg(offset)],
  /** One double from memory into both lanes. */
  v128Load64Splat: (offset = 0): number[] => [0xfd, 0x0a, ...memarg(offset)],
  v128Store: (offset = 0): number[] => [0xfd, 0x0b, ...memarg(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2Splat: [0xfd, 0x14],
  f64x2ExtractLane: (lane: number): number[] => [0xfd, 0x21, lane],
  f64x2ReplaceLane: (lane: number): number[] => [0xfd, 0x22, lane],
  /** Lane-wise IEEE double add and multiply: each lane gives the bits the scalar f64.add/f64.mul would. */
  f64x2Add: [0xfd, ...unsignedLeb(0xf0)],
  f64x2Sub: [0xfd, ...unsignedLeb(0xf1)],
  f64x2Mul: [0xfd, ...unsignedLeb(0xf2)],
  /**
   * Between float32 and float64, two lanes at a time: promote_low widens floats 0 and 1 of a v128
   * (exact); demote_zero rounds two doubles to floats 0 and 1 (to nearest, ties to even — what a
   * JavaScript Float32Array store does) and zeroes floats 2 and 3.
   */
  f64x2PromoteLowF32x4: [0xfd, ...unsignedLeb(0x5f)],
  f32x4DemoteF64x2Zero: [0xfd, ...unsignedLeb(0x5e)],
  /** Lane-wise a > b on doubles: all ones or 0 (false when either is NaN). */
  f64x2Gt: [0xfd, ...unsignedLeb(0x4a)],
  /** select(a, b, condition): a when the i32 condition is non-zero, else b; i32.eq gives 1 or 0. */
  select: [0x1b],
  i32Eq: [0x46],

  // Single precision. An alignment hint may not exceed the access's own size, so 4-byte loads say 2.
  f32Load: (offset = 0): number[] => [0x2a, ...memarg(offset, 2)],
  f32Store: (offset = 0): number[] => [0x38, ...memarg(offset, 2)],
  /** Scalar IEEE single add and multiply (each result rounded to float32 once). */
  f32Add: [0x92],
  f32Mul: [0x94],
  /** Four floats from memory into one v128 (hint: 16-byte aligned). */
  v128Load4Floats: (offset = 0): number[] => [0xfd, 0x00, ...memarg(offset, 4)],
  v128Store4Floats: (offset = 0): number[] => [0xfd, 0x0b, ...memarg(offset, 4)],
  /** One float from memory into all four lanes. */
  v128Load32Splat: (offset = 0): number[] => [0xfd, 0x09, ...memarg(offset, 2)],
  f32x4Splat: [0xfd, 0x13],
  f32x4ExtractLane: (lane: number): number[] => [0xfd, 0x1f, lane],
  f32x4ReplaceLane: (lane: number): number[] => [0xfd, 0x20, lane],
  /**
   * Lane-wise IEEE single add and multiply: each lane gives the bits Math.fround(a + b) and
   * Math.fround(a * b) give in JavaScript (a double result of two floats, rounded once, is the
   * correctly rounded float). WebAssembly has no fused multiply-add outside relaxed SIMD, so a
   * multiply then an add is always two roundings, on every engine.
   */
  f32x4Add: [0xfd, ...unsignedLeb(0xe4)],
  f32x4Mul: [0xfd, ...unsignedLeb(0xe6)],
  f32x4Max: [0xfd, ...unsignedLeb(0xe9)],

  /**
   * memory.copy (bulk memory, in every engine that has SIMD): takes destination, source and byte
   * count from the stack and copies like memmove — a row of pixels in one instruction.
   */
  memoryCopy: [0xfc, ...unsignedLeb(10), 0x00, 0x00],
  /** f64.promote_f32 (exact: every float is a double) and f64.add: double sums of float32 data. */
  f64PromoteF32: [0xbb],
  f64Add: [0xa0],
  /** i32.shr_u and i32.and (lane and panel of a filter: k & 3, k >> 2). */
  i32Shr: [0x76],
  i32And: [0x71],
  /** Lane-wise on four int32 (the bits of four floats): splat, signed compares (all ones or 0), and. */
  i32x4Splat: [0xfd, 0x11],
  i32x4LtS: [0xfd, 0x39],
  i32x4GtS: [0xfd, 0x3b],
  v128And: [0xfd, 0x4e],
  i32x4Add: [0xfd, ...unsignedLeb(0xae)],
  /** Lane-wise a > b on floats (all ones or 0; false when either is NaN); bitselect(v1, v2, mask) = v1 where mask bits are set. */
  f32x4Gt: [0xfd, 0x44],
  v128Bitselect: [0xfd, 0x52],
  /** Bytes lanes[i] (0–31) of the two operands, side by side. */
  i8x16Shuffle: (lanes: readonly number[]): number[] => [0xfd, 0x0d, ...lanes],
  /** Four int32 constants. */
  i32x4Const: (values: readonly number[]): number[] => [0xfd, 0x0c, ...values.flatMap((value) => [0, 8, 16, 24].map((shift) => (value >>> shift) & 0xff))],
};

export interface WasmFunction {
  readonly name: string;
  readonly parameterCount: number;
  readonly locals: ReadonlyArray<readonly [count: number, type: ValueType]>;
  readonly body: Code;
}

/** Named locals for a function body: get('x') and set('x') emit local.get / local.set. */
export interface Locals {
  get(name: string): number[];
  set(name: string): number[];
}

/**
 * A function with i32 parameters `parameters` and extra locals grouped by type; `build` returns its
 * body. Unknown names throw at build time, not as an invalid module later.
 */
export function fn(
  name: string, parameters: readonly string[], locals: ReadonlyArray<readonly [ValueType, readonly string[]]>,
  build: (locals: Locals) => Code,
): WasmFunction {
  const index = new Map<string, number>();
  parameters.forEach((parameter, i) => index.set(parameter, i));
  for (const [, names] of locals) for (const local of names) index.set(local, index.size);
  const lookup = (local: string): number => {
    const at = index.get(local);
    if (at === undefined) throw new Error(`wasm function ${name}: no local named '${local}'`);
    return at;
  };
  const body = build({ get: (local) => op.localGet(lookup(local)), set: (local) => op.localSet(lookup(local)) });
  return { name, parameterCount: parameters.length, locals: locals.map(([type, names]) => [names.length, type] as const), body };
}

function flatten(code: Code, into: number[] = []): number[] {
  if (typeof code === 'number') into.push(code);
  else for (const part of code) flatten(part, into);
  return into;
}

const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const utf8Name = (text: string): number[] => {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
};

/** The module's bytes: `functions` exported by name, memory imported as env.memory. */
export function assembleModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(new Array<number[]>(f.parameterCount).fill([I32])), 0x00]);
  const memoryImport = [...utf8Name('env'), ...utf8Name('memory'), 0x02, 0x00, ...unsignedLeb(1)];
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map(([count, type]) => [...unsignedLeb(count), type])), ...flatten(f.body), ...op.end];
    return [...unsignedLeb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(functions.map((f, i) => [...utf8Name(f.name), 0x00, ...unsignedLeb(i)]))),
    ...section(10, vector(bodies)),
  ]);
}

/**
 * The part of the WebAssembly JavaScript API used here. The project compiles against the ES2022
 * library only (no DOM types, so the core stays runtime-neutral), which does not describe it; at run
 * time this is the engine's global WebAssembly object, or undefined where there is none.
 */
export interface CompiledModule { readonly compiled: true }
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Adds `pages` × 64 KiB (contents kept); `buffer` is then a new, longer ArrayBuffer. */
  grow(pages: number): number;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => CompiledModule;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: CompiledModule, imports: object) => { readonly exports: object };
} | undefined;

/**
 * Compiles the module `build` returns, or null when the engine cannot: no WebAssembly, no SIMD
 * (validate fails), or compiling refused (a Content-Security-Policy without 'wasm-unsafe-eval').
 */
export function compileModule(build: () => Uint8Array): CompiledModule | null {
  try {
    if (typeof WebAssembly !== 'object' || WebAssembly === undefined) return null;
    const bytes = build();
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}

/** An instance of `module` with a fresh memory of `pages` × 64 KiB as env.memory. */
export function instantiate(module: CompiledModule, pages: number): { memory: WasmMemory; exports: object } {
  if (WebAssembly === undefined) throw new Error('instantiate: this engine has no WebAssembly');
  const memory = new WebAssembly.Memory({ initial: pages });
  return { memory, exports: new WebAssembly.Instance(module, { env: { memory } }).exports };
}

/**
 * Instructions added for the GEMM's packers (gemm-macro-kernel-simd.ts). `block` with no result:
 * `br_if 0` inside it (outside any inner loop) jumps past its `end` — a loop that may run zero times.
 */
export const packOps = {
  block: [0x02, 0x40],
  i32Sub: [0x6b],
  i32Eqz: [0x45],
  i32GeS: [0x4e],
  /**
   * i8x16.shuffle of two v128 by float lanes: lane i of the result is lane lanes[i] of (first, second)
   * taken as eight floats (0–3 the first operand, 4–7 the second). Moves bits, computes nothing.
   */
  f32x4Shuffle: (lanes: readonly [number, number, number, number]): number[] =>
    [0xfd, 0x0d, ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3])],
};
