/**
 * The vector runner: checks this library (or, read as a recipe, a port) against the vector files.
 * It uses only the files and the public API (through operations.ts), no node:* — the browser build
 * compiles it (src/web/tsconfig.build.json) and spec/web/vectors.spec.ts runs it in Chromium.
 *
 * The caller passes the files' contents — text as read from disk or fetched (preferred: then the
 * file hashes are checked too), or already-parsed JSON. Before running anything the runner checks
 * every file against manifest.json: present, SHA-256 of the text, every case listed there present
 * in order with a valid checksum. A file that is missing, truncated or altered stops the run with a
 * VectorFileError naming the file and the case; a pass is reported only for a case whose every
 * expected value was compared.
 *
 * Comparison (VectorPromise in format.ts): 'bit-exact' compares IEEE values (any NaN equals any NaN,
 * +0 equals −0; float64 numbers as float64); 'tolerance' bounds |got − want| by bound · scale element by element.
 * When RunOptions swap in a convolution or fc implementation other than the one the files were
 * generated with, a case's `otherOrders` tolerance applies instead of its bit-exact promise.
 */
import { ConfigError } from '../index.ts';
import {
  MANIFEST_FORMAT, VECTOR_FORMAT, VECTOR_VERSION, VectorFileError, checksumText, decodeTensor, isEncodedTensor, sha256Hex,
} from './format.ts';
import type { Manifest, TolerancePromise, VectorCase, VectorFile } from './format.ts';
import { OPERATIONS, f32, isF32 } from './operations.ts';
import type { OpValues, RunOptions } from './operations.ts';
import { weightsSha256 } from './weights-hash.ts';

export interface VectorSource {
  /** manifest.json, as text or parsed. */
  readonly manifest: string | unknown;
  /** file name → text (or parsed JSON); every file the manifest lists must be here. */
  readonly files: Readonly<Record<string, string | unknown>>;
}

export interface CaseResult {
  readonly file: string;
  readonly caseName: string;
  readonly passed: boolean;
  /** Every value equal bit for bit (also reported for tolerance cases). */
  readonly exact: boolean;
  /** Which promise was checked: 'bit-exact', or the tolerance's measure and bound. */
  readonly checked: string;
  /** For failures: the first value outside the promise. */
  readonly detail: string;
  /** Number of expected values compared. */
  readonly compared: number;
}

export interface VectorReport {
  readonly results: CaseResult[];
  readonly passed: number;
  readonly failed: number;
}

export interface RunnerOptions extends RunOptions {
  /** Only these families (file names without .json); default all. */
  readonly families?: readonly string[];
}

function parseJson(file: string, text: string, caseNames: readonly string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Name the first case whose line does not parse (files are written one case per line).
    const lines = text.split('\n').filter((line) => line.startsWith('  {'));
    let index = 0;
    for (; index < lines.length; index++) {
      try {
        JSON.parse(lines[index]!.replace(/,$/, ''));
      } catch {
        break;
      }
    }
    const caseName = caseNames[Math.min(index, caseNames.length - 1)];
    throw new VectorFileError(file, caseName, `truncated or not JSON (${(error as Error).message}); ${lines.length} of ${caseNames.length} cases start in the text`);
  }
}

/** Checks the manifest and every file; returns the verified files in manifest order. */
export async function loadVerified(source: VectorSource, families?: readonly string[]): Promise<VectorFile[]> {
  const manifest = (typeof source.manifest === 'string' ? parseJson('manifest.json', source.manifest, []) : source.manifest) as Manifest;
  if (!manifest || manifest.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files)) {
    throw new VectorFileError('manifest.json', undefined, `not a vector manifest (expected format '${MANIFEST_FORMAT}' with a files list)`);
  }
  const verified: VectorFile[] = [];
  for (const entry of manifest.files) {
    if (families && !families.includes(entry.file.replace(/\.json$/, ''))) continue;
    const raw = source.files[entry.file];
    if (raw === undefined) throw new VectorFileError(entry.file, undefined, `missing (manifest.json lists it with ${entry.cases.length} cases)`);
    const parsed = (typeof raw === 'string' ? parseJson(entry.file, raw, entry.cases) : raw) as VectorFile;
    if (!parsed || parsed.format !== VECTOR_FORMAT || parsed.version !== VECTOR_VERSION || !Array.isArray(parsed.cases)) {
      throw new VectorFileError(entry.file, undefined, `not a vector file of format '${VECTOR_FORMAT}' version ${VECTOR_VERSION}`);
    }
    for (let i = 0; i < entry.cases.length; i++) {
      const vectorCase = parsed.cases[i];
      if (!vectorCase || vectorCase.name !== entry.cases[i]) {
        throw new VectorFileError(entry.file, entry.cases[i], `missing: case ${i + 1} of ${entry.cases.length} is ${vectorCase ? `'${vectorCase.name}'` : 'absent'}`);
      }
      if (vectorCase.checksum !== await sha256Hex(checksumText(vectorCase))) {
        throw new VectorFileError(entry.file, vectorCase.name, 'altered: its checksum does not match its contents');
      }
    }
    if (parsed.cases.length !== entry.cases.length) {
      throw new VectorFileError(entry.file, parsed.cases[entry.cases.length]?.name, `has ${parsed.cases.length} cases, manifest.json lists ${entry.cases.length}`);
    }
    if (typeof raw === 'string' && await sha256Hex(raw) !== entry.sha256) {
      throw new VectorFileError(entry.file, undefined, 'altered: the SHA-256 of the file differs from manifest.json (outside the cases: header or layout)');
    }
    verified.push(parsed);
  }
  if (families) {
    const unknown = families.filter((family) => !manifest.files.some((entry) => entry.file === `${family}.json`));
    if (unknown.length > 0) throw new ConfigError(`vector runner: unknown families ${unknown.join(', ')}`);
  }
  return verified;
}

/** Runs every verified case; throws VectorFileError for integrity problems, never reports an unchecked pass. */
export async function runVectors(source: VectorSource, options: RunnerOptions = {}): Promise<VectorReport> {
  const files = await loadVerified(source, options.families);
  const results: CaseResult[] = [];
  for (const file of files) {
    const name = `${file.family}.json`;
    for (const vectorCase of file.cases) results.push(await runCase(name, vectorCase, options));
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}

/** Decodes a case's inputs: tensors to F32, everything else as is. */
function decodeInputs(file: string, vectorCase: VectorCase): OpValues {
  const out: OpValues = {};
  for (const [key, value] of Object.entries(vectorCase.inputs)) {
    out[key] = isEncodedTensor(value) ? f32(decodeTensor(value, file, vectorCase.name, `inputs.${key}`), value.shape, value.layout) : (value as OpValues[string]);
  }
  return out;
}

/** True when options run this case on another summation order than the one it was generated with. */
function usesOtherOrder(vectorCase: VectorCase, options: RunOptions): boolean {
  const definition = vectorCase.params.definition as { type?: string } | undefined;
  const conv = options.conv !== undefined && options.conv !== 'implicit-gemm';
  const fc = options.fc !== undefined && options.fc !== 'gemm';
  if (vectorCase.op === 'layer') return (definition?.type === 'conv' && conv) || (definition?.type === 'fc' && fc);
  return vectorCase.op === 'train' && conv;
}

async function runCase(file: string, vectorCase: VectorCase, options: RunOptions): Promise<CaseResult> {
  const base = { file, caseName: vectorCase.name };
  const operation = OPERATIONS[vectorCase.op];
  if (!operation) throw new VectorFileError(file, vectorCase.name, `unknown op '${vectorCase.op}'; this runner knows ${Object.keys(OPERATIONS).join(', ')}`);
  const expectedKeys = Object.keys(vectorCase.expected);
  if (expectedKeys.length === 0) throw new VectorFileError(file, vectorCase.name, 'expects nothing: a case must state at least one expected value');
  let got: OpValues;
  try {
    got = operation(vectorCase.params, decodeInputs(file, vectorCase), options);
  } catch (error) {
    if (error instanceof VectorFileError) throw error;
    return { ...base, passed: false, exact: false, checked: 'none', compared: 0, detail: `threw ${(error as Error).name}: ${(error as Error).message}` };
  }
  const promise = vectorCase.promise;
  let tolerance: TolerancePromise | undefined;
  if (promise.kind === 'tolerance') tolerance = promise;
  else if (usesOtherOrder(vectorCase, options) && promise.otherOrders) tolerance = promise.otherOrders;
  const checked = tolerance ? `tolerance ${tolerance.measure} ≤ ${tolerance.bound}` : 'bit-exact';
  let exact = true;
  let detail = '';
  let compared = 0;
  for (const key of expectedKeys) {
    const want = vectorCase.expected[key];
    if (key === 'weightsSha256') {
      // End to end: bit-identical weights are reported (exact), the promise itself is the tolerance.
      const mine = await weightsSha256(got);
      if (mine !== want) exact = false;
      compared++;
      continue;
    }
    if (!(key in got)) {
      detail ||= `${key}: expected but not computed`;
      continue;
    }
    const comparison = compare(key, got[key], want, tolerance, file, vectorCase);
    compared++;
    if (!comparison.exact) exact = false;
    if (comparison.problem) detail ||= comparison.problem;
  }
  return { ...base, passed: detail === '' && compared === expectedKeys.length, exact, checked, compared, detail };
}

/** Equal as IEEE values of their width, any NaN equal to any NaN, +0 equal to −0 (the guide's bit-exact). */
function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function compare(
  key: string, got: unknown, want: unknown, tolerance: TolerancePromise | undefined, file: string, vectorCase: VectorCase,
): { exact: boolean; problem?: string } {
  let gotValues: ArrayLike<number>;
  let wantValues: ArrayLike<number>;
  let scale: Float32Array | undefined;
  if (isEncodedTensor(want)) {
    if (!isF32(got)) return { exact: false, problem: `${key}: expected a tensor, computed ${typeof got}` };
    if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
      return { exact: false, problem: `${key}: shape (${got.shape.join(', ')}), expected (${want.shape.join(', ')})` };
    }
    gotValues = got.data;
    wantValues = decodeTensor(want, file, vectorCase.name, `expected.${key}`);
    if (tolerance?.measure === 'sum|terms|') {
      const entry = tolerance.scale?.[key];
      scale = entry ? decodeTensor(entry, file, vectorCase.name, `promise scale.${key}`) : undefined;
    }
  } else if (typeof want === 'number' || Array.isArray(want)) {
    const wantArray = typeof want === 'number' ? [want] : want;
    const gotArray = typeof got === 'number' ? [got] : Array.isArray(got) ? got : undefined;
    if (!gotArray || gotArray.some((v) => typeof v !== 'number') || wantArray.some((v) => typeof v !== 'number')) {
      return { exact: false, problem: `${key}: expected ${JSON.stringify(want).slice(0, 60)}, computed ${JSON.stringify(got)?.slice(0, 60)}` };
    }
    gotValues = gotArray as number[];
    wantValues = wantArray as number[];
  } else {
    const same = JSON.stringify(got) === JSON.stringify(want);
    return same ? { exact: true } : { exact: false, problem: `${key}: expected ${JSON.stringify(want)}, computed ${JSON.stringify(got)}` };
  }
  if (gotValues.length !== wantValues.length) return { exact: false, problem: `${key}: ${gotValues.length} values, expected ${wantValues.length}` };
  let exact = true;
  for (let i = 0; i < wantValues.length; i++) {
    const g = gotValues[i]!;
    const w = wantValues[i]!;
    if (sameValue(g, w)) continue;
    exact = false;
    const where = `${key}[${i}]: got ${g}, want ${w}`;
    if (!tolerance) return { exact, problem: `${where} (bit-exact promised)` };
    if (!Number.isFinite(g) || !Number.isFinite(w)) return { exact, problem: `${where} (non-finite values must match)` };
    const allowed = tolerance.bound * (tolerance.measure === 'sum|terms|' ? (scale ? scale[i]! : 0) : Math.max(1, Math.abs(w)));
    if (!(Math.abs(g - w) <= allowed)) return { exact, problem: `${where}, |difference| ${Math.abs(g - w)} > ${allowed} (${tolerance.measure}, bound ${tolerance.bound})` };
  }
  return { exact };
}
