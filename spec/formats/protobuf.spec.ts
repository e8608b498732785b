/**
 * The protobuf wire format (src/formats/protobuf.ts) against byte sequences from the encoding guide
 * (https://protobuf.dev/programming-guides/encoding/): varints, negative int64 as ten bytes, floats,
 * LEN fields, packed and unpacked repeated values, and refusals of truncated or malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/errors.ts';
import { ProtoWriter, WIRE_I32, WIRE_LEN, WIRE_VARINT, readFields, readFloat32s, readPackedVarints } from '../../src/formats/protobuf.ts';

test('varints: the guide\'s examples (150 → 08 96 01), and −1 as ten bytes', () => {
  const w = new ProtoWriter();
  w.int(1, 150);
  assert.deepEqual(Array.from(w.finish()), [0x08, 0x96, 0x01]);
  const negative = new ProtoWriter();
  negative.int(1, -1);
  assert.deepEqual(Array.from(negative.finish()), [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  const fields = readFields(Uint8Array.from([0x08, 0x96, 0x01, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'varints');
  assert.deepEqual(fields.map((f) => [f.field, f.wireType, f.value]), [[1, WIRE_VARINT, 150], [1, WIRE_VARINT, -1]]);
});

test('strings, floats and nested messages round-trip with the right keys', () => {
  const inner = new ProtoWriter();
  inner.int(2, 13);
  const w = new ProtoWriter();
  w.string(2, 'testing');
  w.float(3, 0.5);
  w.bytes(8, inner.finish());
  w.packedInts(7, [3, 270, -2]);
  const bytes = w.finish();
  assert.deepEqual(Array.from(bytes.subarray(0, 9)), [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  const fields = readFields(bytes, 'message');
  assert.deepEqual(fields.map((f) => [f.field, f.wireType]), [[2, WIRE_LEN], [3, WIRE_I32], [8, WIRE_LEN], [7, WIRE_LEN]]);
  assert.equal(readFloat32s(fields[1].value as Uint8Array, 'f')[0], 0.5);
  assert.deepEqual(readFields(fields[2].value as Uint8Array, 'inner').map((f) => [f.field, f.value]), [[2, 13]]);
  assert.deepEqual(readPackedVarints(fields[3].value as Uint8Array, 'packed'), [3, 270, -2]);
});

test('truncated varints and LEN fields, wire types 3 and 6, field number 0 and an 11-byte varint are DataErrors with the byte offset', () => {
  const refusals: Array<[number[], string]> = [
    [[0x08, 0x96], 'truncated varint'],
    [[0x12, 0x07, 0x74, 0x65], 'claims 7 bytes but 2 remain'],
    [[0x1d, 0x00, 0x00], 'needs 4 bytes but 2 remain'],
    [[0x0b], 'wire type 3'],
    [[0x0e], 'wire type 6'],
    [[0x00, 0x01], 'field number 0'],
    [[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 'longer than 10 bytes'],
  ];
  for (const [bytes, fragment] of refusals) {
    assert.throws(() => readFields(Uint8Array.from(bytes), 'file.onnx: M'), (error: Error) =>
      error instanceof DataError && error.message.startsWith('file.onnx: M: not a valid protobuf message') && error.message.includes(fragment) && /at byte \d+/.test(error.message),
    `${bytes.map((b) => b.toString(16)).join(' ')} → ${fragment}`);
  }
  // An integer beyond 2^53 cannot be represented exactly in a JavaScript number: refused, not rounded.
  assert.throws(() => readFields(Uint8Array.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 'big'), /beyond 2\^53/);
});
