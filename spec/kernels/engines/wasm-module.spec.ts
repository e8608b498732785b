/**
 * The WebAssembly assembler (src/kernels/engines/wasm-module.ts): LEB128 encodings against the worked examples
 * of the format's documentation, and a small module built with it that the engine validates and runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F64, I32, V128, assembleModule, compileModule, fn, instantiate, op, signedLeb, unsignedLeb } from '../../../src/kernels/engines/wasm-module.ts';

test('LEB128: unsigned and signed encodings', () => {
  assert.deepEqual(unsignedLeb(0), [0x00]);
  assert.deepEqual(unsignedLeb(127), [0x7f]);
  assert.deepEqual(unsignedLeb(128), [0x80, 0x01]);
  assert.deepEqual(unsignedLeb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(signedLeb(0), [0x00]);
  assert.deepEqual(signedLeb(63), [0x3f]);
  assert.deepEqual(signedLeb(64), [0xc0, 0x00]);
  assert.deepEqual(signedLeb(-1), [0x7f]);
  assert.deepEqual(signedLeb(-64), [0x40]);
  assert.deepEqual(signedLeb(-123456), [0xc0, 0xbb, 0x78]);
});

test('an assembled module validates and runs: a loop of f64x2 multiply-adds over memory', () => {
  // dot(at, count): memory[0..1] (as doubles) = Σ_{i < count} memory[at + 16i .. +1] ⊙ memory[at + 16i + 16·count ..]
  // — two running sums in one v128, stored back to bytes 0..15.
  const dot = fn('dot', ['at', 'count'], [[I32, ['i', 'other']], [V128, ['sum']], [F64, ['unused']]], ({ get, set }) => [
    op.v128Zero, set('sum'),
    get('at'), get('count'), op.i32Const(4), op.i32Shl, op.i32Add, set('other'),
    op.i32Const(0), set('i'),
    op.loop,
    get('sum'), get('at'), op.v128Load(0), get('other'), op.v128Load(0), op.f64x2Mul, op.f64x2Add, set('sum'),
    get('at'), op.i32Const(16), op.i32Add, set('at'),
    get('other'), op.i32Const(16), op.i32Add, set('other'),
    get('i'), op.i32Const(1), op.i32Add, set('i'),
    get('i'), get('count'), op.i32LtS, op.brIf(0),
    op.end,
    op.i32Const(0), get('sum'), op.v128Store(0),
  ]);
  const compiled = compileModule(() => assembleModule([dot]));
  assert.ok(compiled !== null, 'Node has WebAssembly SIMD, so the module must compile');
  const { memory, exports } = instantiate(compiled, 1);
  const doubles = new Float64Array(memory.buffer);
  // Pairs at byte 64 (double 8): (1, 2), (3, 4), (5, 6); then their partners (10, 20), (30, 40), (50, 60).
  doubles.set([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60], 8);
  (exports as { dot(at: number, count: number): void }).dot(64, 3);
  assert.deepEqual([doubles[0], doubles[1]], [1 * 10 + 3 * 30 + 5 * 50, 2 * 20 + 4 * 40 + 6 * 60]);
});

test('a misspelt local is an error when the function is built, and an invalid module does not compile', () => {
  assert.throws(() => fn('f', ['a'], [], ({ get }) => [get('b')]), /wasm function f: no local named 'b'/);
  // i32.add with nothing on the stack: assembles, but the engine rejects it.
  const broken = fn('broken', [], [], () => [op.i32Add]);
  assert.equal(compileModule(() => assembleModule([broken])), null);
});
