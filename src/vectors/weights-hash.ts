/**
 * The end-to-end vectors' bit-for-bit fingerprint: SHA-256 (hex) of the float32 little-endian bytes of
 * every `param.<layer>.<name>` value of a result, concatenated in the order of the keys.
 */
import { isF32 } from './operations.ts';
import type { OpValues } from './operations.ts';
import { sha256Hex } from './format.ts';

export async function weightsSha256(values: OpValues): Promise<string> {
  const parts: Float32Array[] = [];
  for (const [key, value] of Object.entries(values)) if (key.startsWith('param.') && isF32(value)) parts.push(value.data);
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length * 4, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++, offset += 4) view.setFloat32(offset, part[i]!, true);
  }
  return sha256Hex(bytes);
}
