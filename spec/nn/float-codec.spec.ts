import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64ToBytes, bytesToBase64, decodeFloat32, encodeFloat32 } from '../../src/nn/float-codec.ts';
import { DataError } from '../../src/errors.ts';

test('base64 matches the RFC 4648 test vectors', () => {
  const vectors: Array<[string, string]> = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
  for (const [plain, encoded] of vectors) {
    const bytes = new TextEncoder().encode(plain);
    assert.equal(bytesToBase64(bytes), encoded);
    assert.deepEqual(Array.from(base64ToBytes(encoded)), Array.from(bytes));
  }
});

test('float32 values round-trip bit for bit, little-endian', () => {
  const values = Float32Array.from([0, -0, 1.5, -2.25, 3.4e38, 1e-45, Number.NaN, Infinity, Math.PI]);
  const decoded = decodeFloat32(encodeFloat32(values), values.length, 'spec');
  assert.deepEqual(new Uint32Array(decoded.buffer), new Uint32Array(values.buffer));
  // 1.5f = 0x3FC00000 → little-endian bytes 00 00 C0 3F → base64 "AADAPw==".
  assert.equal(encodeFloat32(Float32Array.of(1.5)), 'AADAPw==');
});

test('a wrong length or character is a DataError naming the place', () => {
  assert.throws(() => decodeFloat32('AADAPw==', 2, 'conv1.weights'), (e: Error) => e instanceof DataError && /conv1\.weights: expected 2 float32/.test(e.message));
  assert.throws(() => base64ToBytes('AA*A', 'fc.bias'), /fc\.bias: invalid base64 character/);
});
