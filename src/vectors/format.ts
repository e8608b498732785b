/**
 * The vector file format (spec/vectors/*.json): what a case holds and how a float32 tensor is written.
 *
 * One file per module family, `{format: 'convnet-ts-vectors', version: 1, family, description, cases}`;
 * each case is `{name, op, params, inputs, expected, promise, checksum}`:
 *   - op names the computation (src/vectors/operations.ts; the porting guide spells each one out);
 *   - inputs and expected map names to values: an EncodedTensor, a plain JSON number, or an array of
 *     numbers (integers: labels, uint32 draws; float64: losses, rates);
 *   - promise says how a port's result is compared with `expected` (VectorPromise below);
 *   - checksum is the SHA-256 (hex) of the UTF-8 text `JSON.stringify(case without its checksum)`, so
 *     an edited or truncated case is caught by name; manifest.json holds each file's SHA-256 and its
 *     case names, so a missing or swapped file is caught too.
 *
 * A float32 tensor is `{shape, layout, base64, values?}`: `base64` holds the IEEE-754 bits, little-endian,
 * 4 bytes per element in row-major order (the exact values); `values` is a rounded copy (7 significant
 * digits, for people) written for tensors of at most ROUNDED_COPY_LIMIT elements. Non-finite values in
 * the rounded copy are the strings 'NaN', 'Infinity', '-Infinity'. A JSON number written by this kit is
 * a float64 exactly (shortest round-trip text).
 *
 * Portable: no node:* imports (SHA-256 comes from the Web Crypto API, present in Node ≥ 20, browsers,
 * Deno and Bun).
 */
import { DataError, Tensor, decodeFloat32, encodeFloat32 } from '../index.ts';

export const VECTOR_FORMAT = 'convnet-ts-vectors';
export const VECTOR_VERSION = 1;
export const MANIFEST_FORMAT = 'convnet-ts-vectors-manifest';
/** Tensors up to this many elements also carry a rounded human-readable copy. */
export const ROUNDED_COPY_LIMIT = 64;

/** How the elements are laid out (all row-major; the letters name the axes, slowest first). */
export type Layout = 'NCHW' | 'KCHW' | 'NC' | 'ND' | 'KD' | 'K' | 'C' | 'N' | 'MxN' | 'row-major' | 'scalar';

export interface EncodedTensor {
  readonly shape: number[];
  readonly layout: Layout;
  readonly base64: string;
  readonly values?: Array<number | string>;
}

export type VectorValue = EncodedTensor | number | number[] | string | null | boolean | { [key: string]: VectorValue } | VectorValue[];

/**
 * 'bit-exact': every float32 (or float64) equals `expected` bit for bit (any NaN equals any NaN, +0 equals −0).
 * 'tolerance': |got − want| ≤ bound · scale, element by element, with scale by `measure`:
 *   'max(1,|want|)'   scale = max(1, |want|)                   (results of exp, log, tanh, sin, cos)
 *   'sum|terms|'      scale = Σ_p |a_p · b_p| of that output, given in `scale` (a tensor per output),
 *                     for sums that a port may add in another order.
 * A case whose bits depend on the summation order states the order as `order` (the guide's names), and
 * may add `otherOrders`: the tolerance any correct order meets (used for the naive and im2col paths).
 */
export type VectorPromise =
  | { readonly kind: 'bit-exact'; readonly order?: string; readonly otherOrders?: TolerancePromise }
  | TolerancePromise;

export interface TolerancePromise {
  readonly kind: 'tolerance';
  readonly measure: 'max(1,|want|)' | 'sum|terms|';
  readonly bound: number;
  readonly why: string;
  readonly scale?: Record<string, EncodedTensor>;
}

export interface VectorCase {
  readonly name: string;
  readonly op: string;
  readonly params: Record<string, VectorValue>;
  readonly inputs: Record<string, VectorValue>;
  readonly expected: Record<string, VectorValue>;
  readonly promise: VectorPromise;
  readonly checksum?: string;
}

export interface VectorFile {
  readonly format: string;
  readonly version: number;
  readonly family: string;
  readonly description: string;
  readonly cases: VectorCase[];
}

export interface Manifest {
  readonly format: string;
  readonly version: number;
  readonly files: Array<{ readonly file: string; readonly sha256: string; readonly bytes: number; readonly cases: string[] }>;
}

/** A vector file that is missing, truncated, altered or malformed; names the file and the case. */
export class VectorFileError extends DataError {
  constructor(readonly file: string, readonly caseName: string | undefined, message: string) {
    super(`${file}${caseName === undefined ? '' : ` case '${caseName}'`}: ${message}`);
  }
}

function rounded(value: number): number | string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(7));
}

/** A float32 tensor as a file entry (exact bits, plus the rounded copy when small). */
export function encodeTensor(data: Float32Array | Tensor, shape: readonly number[], layout: Layout): EncodedTensor {
  const values = data instanceof Tensor ? data.data : data;
  const base64 = encodeFloat32(values);
  return values.length <= ROUNDED_COPY_LIMIT
    ? { shape: [...shape], layout, base64, values: Array.from(values, rounded) }
    : { shape: [...shape], layout, base64 };
}

/** True for an object shaped like an EncodedTensor. */
export function isEncodedTensor(value: unknown): value is EncodedTensor {
  return typeof value === 'object' && value !== null && typeof (value as EncodedTensor).base64 === 'string' &&
    Array.isArray((value as EncodedTensor).shape);
}

/** The exact float32 values of a file entry; a VectorFileError names the file, case and entry. */
export function decodeTensor(value: unknown, file: string, caseName: string, entry: string): Float32Array {
  if (!isEncodedTensor(value)) throw new VectorFileError(file, caseName, `'${entry}' should be a tensor {shape, layout, base64}, got ${JSON.stringify(value)?.slice(0, 80)}`);
  const size = value.shape.reduce((product, dim) => product * dim, 1);
  try {
    return decodeFloat32(value.base64, size, `${entry}`);
  } catch (error) {
    throw new VectorFileError(file, caseName, `'${entry}': ${(error as Error).message}`);
  }
}

/** SHA-256 (lower-case hex) of UTF-8 text or bytes, through the Web Crypto API. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The text a case's checksum covers: the case as JSON without its checksum field. */
export function checksumText(vectorCase: VectorCase): string {
  const { checksum: _omitted, ...rest } = vectorCase;
  return JSON.stringify(rest);
}

/** A file's text as written: one case per line, so a diff shows which cases changed. */
export function formatVectorFile(file: VectorFile): string {
  const head = JSON.stringify({ format: file.format, version: file.version, family: file.family, description: file.description });
  const cases = file.cases.map((c) => `  ${JSON.stringify(c)}`).join(',\n');
  return `${head.slice(0, -1)},\n "cases": [\n${cases}\n]}\n`;
}
