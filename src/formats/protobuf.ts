/**
 * The protocol-buffers wire format (https://protobuf.dev/programming-guides/encoding/), written and
 * read by hand: ONNX files are protobuf messages, and this library has no dependencies.
 *
 * A message is a sequence of fields; each field is a key followed by its value:
 *   key   = varint (fieldNumber << 3 | wireType)
 *   wire type 0 VARINT            int32/int64/enum/bool: base-128, low 7 bits first, high bit = "more"
 *                                 (a negative int64 is its two's complement: always 10 bytes)
 *   wire type 1 I64               fixed64 / double: 8 bytes little-endian
 *   wire type 2 LEN               varint length, then that many bytes: strings, bytes, nested
 *                                 messages, and "packed" repeated scalars (values back to back)
 *   wire type 5 I32               fixed32 / float: 4 bytes little-endian
 * A repeated field is either repeated keys (one value each) or one LEN field of packed values; a
 * reader must accept both. Field order does not matter, unknown fields are skipped.
 *
 * This module only knows the wire format; src/formats/onnx-proto.ts gives the field numbers meaning.
 * Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_TO_64 = 1n << 64n;
const TWO_TO_63 = 1n << 63n;

/** Accumulates the bytes of one message; nested messages are encoded first and added as bytes. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length > 0) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  private varint(value: number | bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let v = BigInt(value);
    if (v < 0n) v += TWO_TO_64;
    if (v < 0n || v >= TWO_TO_64) throw new RangeError(`protobuf: ${value} does not fit in 64 bits`);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.scratch.push(byte);
    } while (v > 0n);
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** int32 / int64 / enum / bool: wire type 0. */
  int(field: number, value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: field ${field}: ${value} is not a safe integer`);
    this.key(field, WIRE_VARINT);
    this.varint(value);
  }

  /** float: wire type 5, 4 bytes little-endian. */
  float(field: number, value: number): void {
    this.key(field, WIRE_I32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.scratch.push(...bytes);
  }

  /** bytes or a nested message's encoding: wire type 2. */
  bytes(field: number, value: Uint8Array): void {
    this.key(field, WIRE_LEN);
    this.varint(value.length);
    this.flushScratch();
    this.chunks.push(value);
  }

  /** string: wire type 2, UTF-8. */
  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  /** Repeated integers, packed into one LEN field (for fields the schema marks [packed = true]). */
  packedInts(field: number, values: readonly number[]): void {
    const inner = new ProtoWriter();
    for (const value of values) {
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: field ${field}: ${value} is not a safe integer`);
      inner.varint(value);
    }
    this.bytes(field, inner.finish());
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flushScratch();
    const length = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** One decoded field: `value` is a number (varint, sign-extended from 64 bits), or the raw bytes of I32/I64/LEN. */
export type ProtoField =
  | { field: number; wireType: typeof WIRE_VARINT; value: number; offset: number }
  | { field: number; wireType: typeof WIRE_I64 | typeof WIRE_I32 | typeof WIRE_LEN; value: Uint8Array; offset: number };

/**
 * Splits one message's bytes into its fields, in file order. `where` names the file and message for
 * errors; `base` is the message's offset in the file (so errors give file offsets).
 * @throws DataError on a truncated field, a varint longer than 10 bytes, an integer beyond 2^53, field
 *         number 0 or a wire type other than 0, 1, 2, 5 (3 and 4 are the deprecated groups).
 */
export function readFields(bytes: Uint8Array, where: string, base = 0): ProtoField[] {
  const fields: ProtoField[] = [];
  let position = 0;
  const fail = (what: string): never => {
    throw new DataError(`${where}: not a valid protobuf message: ${what} at byte ${base + position} of a ${bytes.length}-byte message`);
  };
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (position >= bytes.length) return fail('truncated varint');
      const byte = bytes[position++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    return fail('varint longer than 10 bytes');
  };
  const take = (count: number): Uint8Array => {
    if (count > bytes.length - position) fail(`field needs ${count} bytes but ${bytes.length - position} remain (truncated)`);
    const slice = bytes.subarray(position, position + count);
    position += count;
    return slice;
  };
  while (position < bytes.length) {
    const offset = base + position;
    const key = varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0 || field > 536870911) fail(`field number ${field}`);
    switch (wireType) {
      case WIRE_VARINT: {
        let value = varint();
        if (value >= TWO_TO_63) value -= TWO_TO_64;
        const number = Number(value);
        if (!Number.isSafeInteger(number)) fail(`integer ${value} in field ${field} is beyond 2^53`);
        fields.push({ field, wireType, value: number, offset });
        break;
      }
      case WIRE_I64: fields.push({ field, wireType, value: take(8), offset }); break;
      case WIRE_I32: fields.push({ field, wireType, value: take(4), offset }); break;
      case WIRE_LEN: {
        const length = varint();
        if (length > BigInt(bytes.length)) fail(`field ${field} claims ${length} bytes but ${bytes.length - position} remain (truncated)`);
        fields.push({ field, wireType, value: take(Number(length)), offset });
        break;
      }
      default:
        fail(`wire type ${wireType} in field ${field} (expected 0, 1, 2 or 5)`);
    }
  }
  return fields;
}

/** The varints packed back to back in a LEN field's bytes (sign-extended from 64 bits). */
export function readPackedVarints(bytes: Uint8Array, where: string): number[] {
  // A packed run is varints back to back, without keys.
  const values: number[] = [];
  let position = 0;
  while (position < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (position >= bytes.length) throw new DataError(`${where}: truncated packed varint at byte ${position}`);
      if (shift >= 70n) throw new DataError(`${where}: packed varint longer than 10 bytes at byte ${position}`);
      const byte = bytes[position++];
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
    }
    if (result >= TWO_TO_63) result -= TWO_TO_64;
    const number = Number(result);
    if (!Number.isSafeInteger(number)) throw new DataError(`${where}: packed integer ${result} is beyond 2^53`);
    values.push(number);
  }
  return values;
}

/** Little-endian float32 values of packed or raw bytes (length a multiple of 4). */
export function readFloat32s(bytes: Uint8Array, where: string): Float32Array {
  if (bytes.length % 4 !== 0) throw new DataError(`${where}: ${bytes.length} bytes is not a whole number of float32 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** UTF-8 text of a LEN field; refuses invalid UTF-8. */
export function readString(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${where}: a string field is not valid UTF-8`);
  }
}
