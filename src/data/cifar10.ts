/**
 * CIFAR-10 loader for the official *binary version* layout (Krizhevsky, 2009):
 *
 *   cifar-10-batches-bin/batches.meta.txt      class names, line k names label k
 *   cifar-10-batches-bin/data_batch_1.bin ... data_batch_5.bin     training, 10,000 records each
 *   cifar-10-batches-bin/test_batch.bin        test, 10,000 records
 *
 * Each .bin is a plain sequence of 3,073-byte records, no header:
 *   byte 0          label 0..9
 *   bytes 1..1024   red plane, 32x32 row-major; then green (1025..2048), then blue (2049..3072)
 * so a record's image bytes are already in the library's CHW order, and pixel (y, x, c) of record i is
 * byte i*3073 + 1 + c*1024 + y*32 + x. Loading copies the 3,072 image bytes of each record into an
 * NCHW Uint8Array and the label byte into the labels array (cifar10-records.ts).
 *
 * Where from: `cifar-10-binary.tar.gz` itself, the unpacked `cifar-10-batches-bin/` folder, or a
 * folder holding either. The archive is STREAMED: read a megabyte at a time, inflated by node:zlib's
 * gunzip stream, split by the streaming tar reader, and each record written straight into the
 * dataset's byte storage, so loading the 170 MB archive needs little more than the 184 MB the
 * 60,000 images take as bytes (never the archive whole, inflated or not, and never floats: those
 * are made batch by batch, see toFloatBatch in dataset.ts). A folder is read the same way, file by
 * file, and only as far as the limits need (quick runs read little).
 *
 * Meta file decision: if batches.meta.txt is ABSENT, the standard names (CIFAR10_CLASS_NAMES) are
 * used, because the label numbering is fixed by the data set, not by that file; if it is PRESENT it
 * must hold exactly ten distinct non-empty names (trailing blank lines allowed), else DataError.
 * Every other defect is a DataError naming the file: a missing batch, a size that is not a positive
 * multiple of 3,073 (truncated record), a label above 9, a file that is not gzip or not tar, a gzip
 * stream that inflates past the bound below (a "gzip bomb": refused without filling the memory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { ConfigError, DataError } from '../errors.ts';
import { TarStreamReader } from '../io/tar-stream.ts';
import { CIFAR10_META_FILE, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, Cifar10Assembler } from './cifar10-records.ts';
import type { DatasetSplits } from './dataset.ts';

export {
  CIFAR10_CLASS_NAMES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_META_FILE,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
} from './cifar10-records.ts';
export const CIFAR10_FOLDER_NAME = 'cifar-10-batches-bin';
export const CIFAR10_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
/**
 * How far a CIFAR-10 .tar.gz may inflate: 8 times its own size, at least 64 MiB, at most 256 MiB.
 * Photographs barely compress (the official 170 MB archive inflates to 184 MB, 1.08x), so 8x leaves
 * room for small, more regular archives, and 256 MiB is well above the 184 MB of the real one. A
 * 10 MB file is thus refused after inflating at most 80 MB, instead of after gigabytes.
 */
export function cifar10InflateLimit(compressedBytes: number): number {
  return Math.min(256 * 2 ** 20, Math.max(64 * 2 ** 20, 8 * compressedBytes));
}

/** Pieces read from disk at a time, and handed on by the gunzip stream. */
const READ_PIECE_BYTES = 2 ** 20;
const INFLATE_PIECE_BYTES = 2 ** 18;

export interface Cifar10LoadOptions {
  /** Keep only the first K training records (in batch order: data_batch_1 first). Default: all 50,000. */
  trainLimit?: number;
  /** Keep only the first K test records. Default: all 10,000. */
  testLimit?: number;
}

/** Where a copy of CIFAR-10 was found: the .tar.gz (or .tar) archive, or the unpacked batches folder. */
export interface Cifar10Location {
  kind: 'archive' | 'folder';
  path: string;
}

/**
 * Loads CIFAR-10 from `location`: the archive, the `cifar-10-batches-bin/` folder, or a folder
 * holding either. Resolves to train (data_batch_1..5, 50,000 images) and test (test_batch, 10,000),
 * each N x 3 x 32 x 32 uint8 NCHW with labels 0..9. Asynchronous because the archive is streamed.
 * @throws (rejects with) DataError naming the file for every defect listed in the module comment;
 *         ConfigError for a negative or fractional limit.
 */
export async function loadCifar10(location: string, options: Cifar10LoadOptions = {}): Promise<DatasetSplits> {
  const trainLimit = checkLimit(options.trainLimit, 'trainLimit');
  const testLimit = checkLimit(options.testLimit, 'testLimit');
  const resolved = resolveCifar10Location(location);
  if (!resolved) {
    throw new DataError(
      `CIFAR-10 not found at ${location}: expected ${CIFAR10_ARCHIVE_NAME}, a ${CIFAR10_FOLDER_NAME}/ folder, ` +
        `or a folder holding one of them`,
    );
  }
  const assembler = new Cifar10Assembler(trainLimit, testLimit);
  if (resolved.kind === 'archive') {
    await streamArchive(resolved.path, assembler);
    return assembler.finish(
      (name) => new DataError(`${resolved.path}: missing ${name} (expected ${CIFAR10_FOLDER_NAME}/${name} in the archive)`),
    );
  }
  readFolder(resolved.path, assembler);
  return assembler.finish((name) => new DataError(`${path.join(resolved.path, name)}: missing CIFAR-10 file ${name}`));
}

/**
 * What `location` holds, or null if it is not (or does not contain) a CIFAR-10 copy:
 * a file → archive; a folder containing data_batch_1.bin / test_batch.bin / batches.meta.txt → that
 * folder; a folder containing cifar-10-batches-bin/ → that (preferred: no gunzip); a folder
 * containing cifar-10-binary.tar.gz → the archive.
 */
export function resolveCifar10Location(location: string): Cifar10Location | null {
  const stats = statOrNull(location);
  if (!stats) return null;
  if (stats.isFile()) return { kind: 'archive', path: location };
  if (!stats.isDirectory()) return null;
  const marker = [CIFAR10_TRAIN_FILES[0], CIFAR10_TEST_FILE, CIFAR10_META_FILE];
  if (marker.some((name) => statOrNull(path.join(location, name))?.isFile())) return { kind: 'folder', path: location };
  const folder = path.join(location, CIFAR10_FOLDER_NAME);
  if (statOrNull(folder)?.isDirectory()) return { kind: 'folder', path: folder };
  const archive = path.join(location, CIFAR10_ARCHIVE_NAME);
  if (statOrNull(archive)?.isFile()) return { kind: 'archive', path: archive };
  return null;
}

/**
 * Finds a copy of CIFAR-10. Looks, in order, at: `explicit`; the CIFAR10_PATH environment variable;
 * ./datasets/cifar10/ and ./datasets/ (relative to the working folder); ../shared/datasets/cifar10/
 * relative to the repository root. Returns the path of the first hit (the archive file or the
 * batches folder, see resolveCifar10Location), ready for loadCifar10, or null.
 * An explicit path or CIFAR10_PATH that holds no CIFAR-10 is an error, not a reason to silently use
 * another copy: a typo must not train on different data than asked for.
 * @throws DataError when `explicit` or CIFAR10_PATH is given but holds no CIFAR-10.
 */
export function findCifar10(explicit?: string): string | null {
  const requested: Array<[string, string | undefined]> = [
    ['the given path', explicit],
    ['CIFAR10_PATH', process.env.CIFAR10_PATH || undefined],
  ];
  for (const [what, candidate] of requested) {
    if (candidate === undefined) continue;
    const found = resolveCifar10Location(candidate);
    if (!found) {
      throw new DataError(
        `CIFAR-10 not found at ${candidate} (${what}): expected ${CIFAR10_ARCHIVE_NAME}, a ${CIFAR10_FOLDER_NAME}/ ` +
          `folder, or a folder holding one of them`,
      );
    }
    return found.path;
  }
  const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
  const defaults = [
    path.resolve('datasets', 'cifar10'),
    path.resolve('datasets'),
    path.resolve(repositoryRoot, '..', 'shared', 'datasets', 'cifar10'),
  ];
  for (const candidate of defaults) {
    const found = resolveCifar10Location(candidate);
    if (found) return found.path;
  }
  return null;
}

/**
 * Streams the archive through `assembler`: file → (gunzip, when it starts with the gzip bytes 1f 8b)
 * → tar reader → each CIFAR-10 member's sink. Members are matched by base name, so
 * "cifar-10-batches-bin/data_batch_1.bin" and "data_batch_1.bin" both count; the first copy wins.
 * The inflated bytes are counted as they come: past cifar10InflateLimit the stream is abandoned.
 */
async function streamArchive(archivePath: string, assembler: Cifar10Assembler): Promise<void> {
  const compressedBytes = fs.statSync(archivePath).size;
  const isGzip = startsWithGzipMagic(archivePath);
  if (!isGzip && /\.(gz|tgz)$/i.test(archivePath)) {
    throw new DataError(`${archivePath}: not a gzip file (it does not start with the gzip bytes 1f 8b)`);
  }
  const tar = new TarStreamReader(archivePath, (member) => {
    if (member.type !== 'file') return null;
    return assembler.accept(member.name.slice(member.name.lastIndexOf('/') + 1), `${archivePath}:${member.name}`, member.size);
  });
  const limit = cifar10InflateLimit(compressedBytes);
  let inflated = 0;
  // What the consumer threw: pipeline() may reject with an AbortError instead (Node 20), so keep it.
  let consumerError: unknown = null;
  const consume = async (pieces: AsyncIterable<Uint8Array>): Promise<void> => {
    try {
      for await (const piece of pieces) {
        inflated += piece.length;
        if (isGzip && inflated > limit) {
          throw new DataError(
            `${archivePath}: inflates to more than ${limit} bytes (8x its ${compressedBytes} bytes, within 64..256 MiB): ` +
              'not the CIFAR-10 binary archive, which inflates to 184 MB',
          );
        }
        tar.push(piece);
      }
    } catch (error) {
      consumerError = error;
      throw error;
    }
  };
  const file = fs.createReadStream(archivePath, { highWaterMark: READ_PIECE_BYTES });
  try {
    if (isGzip) await pipeline(file, createGunzip({ chunkSize: INFLATE_PIECE_BYTES }), consume);
    else await pipeline(file, consume);
  } catch (error) {
    const cause = consumerError ?? error;
    if (cause instanceof DataError || !isGzip || !isZlibError(cause)) throw cause;
    throw new DataError(`${archivePath}: corrupt or truncated gzip data (${(cause as Error).message})`);
  }
  tar.end();
}

/** Errors of node:zlib's streams carry codes such as Z_DATA_ERROR and Z_BUF_ERROR. */
function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function startsWithGzipMagic(filePath: string): boolean {
  const head = new Uint8Array(2);
  const descriptor = fs.openSync(filePath, 'r');
  try {
    const got = fs.readSync(descriptor, head, 0, 2, 0);
    return got === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * Reads an unpacked folder through `assembler`, file by file, a megabyte at a time, and only the
 * leading bytes each file's sink wants (a limit of 4 records reads 4 records).
 * @throws DataError for a missing batch file (the class-name file is optional).
 */
function readFolder(folder: string, assembler: Cifar10Assembler): void {
  const piece = new Uint8Array(READ_PIECE_BYTES);
  for (const name of [CIFAR10_META_FILE, ...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    const filePath = path.join(folder, name);
    const stats = statOrNull(filePath);
    if (!stats?.isFile()) {
      if (name === CIFAR10_META_FILE) continue;
      throw new DataError(`${filePath}: missing CIFAR-10 file ${name}`);
    }
    const sink = assembler.accept(name, filePath, stats.size)!;
    const descriptor = fs.openSync(filePath, 'r');
    try {
      for (let done = 0; done < sink.bytesWanted; ) {
        const got = fs.readSync(descriptor, piece, 0, Math.min(piece.length, sink.bytesWanted - done), done);
        if (got === 0) throw new DataError(`${filePath}: file shrank while reading (got ${done} of ${sink.bytesWanted} bytes)`);
        sink.write(piece.subarray(0, got));
        done += got;
      }
    } finally {
      fs.closeSync(descriptor);
    }
    sink.end();
  }
}

function checkLimit(limit: number | undefined, option: string): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new ConfigError(`loadCifar10: ${option} must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

function statOrNull(filePath: string): fs.Stats | null {
  try {
    return fs.statSync(filePath);
  } catch {
    return null;
  }
}
