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
 * NCHW Uint8Array and the label byte into the labels array.
 *
 * Where from: `cifar-10-binary.tar.gz` itself (gunzipped with node:zlib and read with our tar reader,
 * in memory, about 3 s for the whole archive), the unpacked `cifar-10-batches-bin/` folder (fastest),
 * or a folder holding either.
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
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ConfigError, DataError } from '../errors.ts';
import { findTarMember, readTar } from '../io/tar.ts';
import { makeImageDataset, type DatasetSplits, type ImageDataset } from './dataset.ts';

export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);
export const CIFAR10_IMAGE_BYTES = 3 * 32 * 32;
/** One label byte + the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
export const CIFAR10_TRAIN_FILES: readonly string[] = Object.freeze([1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`));
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_META_FILE = 'batches.meta.txt';
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

/** One file of the data set, wherever it lives. `read(n)` returns its first n bytes. */
interface SourceFile {
  label: string;
  size: number;
  read(byteCount: number): Uint8Array;
}

/**
 * Loads CIFAR-10 from `location`: the archive, the `cifar-10-batches-bin/` folder, or a folder
 * holding either. Returns train (data_batch_1..5, 50,000 images) and test (test_batch, 10,000),
 * each N x 3 x 32 x 32 uint8 NCHW with labels 0..9.
 * @throws DataError naming the file for every defect listed in the module comment.
 */
export function loadCifar10(location: string, options: Cifar10LoadOptions = {}): DatasetSplits {
  const trainLimit = checkLimit(options.trainLimit, 'trainLimit');
  const testLimit = checkLimit(options.testLimit, 'testLimit');
  const resolved = resolveCifar10Location(location);
  if (!resolved) {
    throw new DataError(
      `CIFAR-10 not found at ${location}: expected ${CIFAR10_ARCHIVE_NAME}, a ${CIFAR10_FOLDER_NAME}/ folder, ` +
        `or a folder holding one of them`,
    );
  }
  const open = resolved.kind === 'archive' ? openArchive(resolved.path) : openFolder(resolved.path);
  const classNames = readClassNames(open(CIFAR10_META_FILE, false));
  const trainFiles = CIFAR10_TRAIN_FILES.map((name) => open(name, true)!);
  const testFiles = [open(CIFAR10_TEST_FILE, true)!];
  return {
    train: readSplit('cifar10-train', trainFiles, trainLimit, classNames),
    test: readSplit('cifar10-test', testFiles, testLimit, classNames),
  };
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
 * Opens the archive once: gunzip (when it starts with the gzip magic bytes 1f 8b) and tar listing.
 * Returns a lookup from file name to member; members are views into the unpacked bytes.
 */
function openArchive(archivePath: string): (name: string, required: boolean) => SourceFile | null {
  let bytes: Uint8Array = fs.readFileSync(archivePath);
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (isGzip) {
    const limit = cifar10InflateLimit(bytes.length);
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DataError(
          `${archivePath}: inflates to more than ${limit} bytes (8x its ${bytes.length} bytes, within 64..256 MiB): ` +
            'not the CIFAR-10 binary archive, which inflates to 184 MB',
        );
      }
      throw new DataError(`${archivePath}: corrupt or truncated gzip data (${(error as Error).message})`);
    }
  } else if (/\.(gz|tgz)$/i.test(archivePath)) {
    throw new DataError(`${archivePath}: not a gzip file (it does not start with the gzip bytes 1f 8b)`);
  }
  const members = readTar(bytes, archivePath);
  return (name, required) => {
    const member = findTarMember(members, name);
    if (!member) {
      if (!required) return null;
      throw new DataError(`${archivePath}: missing ${name} (expected ${CIFAR10_FOLDER_NAME}/${name} in the archive)`);
    }
    const data = member.data;
    return { label: `${archivePath}:${member.name}`, size: data.length, read: (byteCount) => data.subarray(0, byteCount) };
  };
}

/** Files of an unpacked folder; `read` reads only the bytes asked for (quick runs read little). */
function openFolder(folder: string): (name: string, required: boolean) => SourceFile | null {
  return (name, required) => {
    const filePath = path.join(folder, name);
    const stats = statOrNull(filePath);
    if (!stats?.isFile()) {
      if (!required) return null;
      throw new DataError(`${filePath}: missing CIFAR-10 file ${name}`);
    }
    return {
      label: filePath,
      size: stats.size,
      read: (byteCount) => {
        const buffer = new Uint8Array(byteCount);
        const descriptor = fs.openSync(filePath, 'r');
        try {
          let done = 0;
          while (done < byteCount) {
            const got = fs.readSync(descriptor, buffer, done, byteCount - done, done);
            if (got === 0) throw new DataError(`${filePath}: file shrank while reading (got ${done} of ${byteCount} bytes)`);
            done += got;
          }
        } finally {
          fs.closeSync(descriptor);
        }
        return buffer;
      },
    };
  };
}

/** Class names from batches.meta.txt, or the standard names when the file is absent. */
function readClassNames(meta: SourceFile | null): string[] {
  if (!meta) return [...CIFAR10_CLASS_NAMES];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(meta.read(meta.size));
  } catch {
    throw new DataError(`${meta.label}: class-name file is not UTF-8 text`);
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const problem =
    lines.length !== CIFAR10_CLASS_NAMES.length
      ? `${lines.length} lines`
      : lines.some((line) => line === '')
        ? 'an empty line'
        : new Set(lines).size !== lines.length
          ? 'a repeated name'
          : null;
  if (problem) {
    throw new DataError(
      `${meta.label}: malformed class-name file: expected ${CIFAR10_CLASS_NAMES.length} distinct names, one per line, found ${problem}`,
    );
  }
  return lines;
}

/** Concatenates the records of `files` (up to `limit`) into one dataset, validating as it goes. */
function readSplit(name: string, files: SourceFile[], limit: number | undefined, classNames: string[]): ImageDataset {
  let available = 0;
  for (const file of files) {
    if (file.size === 0 || file.size % CIFAR10_RECORD_BYTES !== 0) {
      throw new DataError(
        `${file.label}: ${file.size} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
          `(${Math.floor(file.size / CIFAR10_RECORD_BYTES)} whole records + ${file.size % CIFAR10_RECORD_BYTES} bytes): ` +
          `truncated or not a CIFAR-10 batch`,
      );
    }
    available += file.size / CIFAR10_RECORD_BYTES;
  }
  const count = Math.min(limit ?? available, available);
  const pixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const file of files) {
    if (n === count) break;
    const records = Math.min(file.size / CIFAR10_RECORD_BYTES, count - n);
    const bytes = file.read(records * CIFAR10_RECORD_BYTES);
    for (let record = 0; record < records; record++, n++) {
      const start = record * CIFAR10_RECORD_BYTES;
      const label = bytes[start];
      if (label >= classNames.length) {
        throw new DataError(`${file.label}: record ${record} has label ${label}, expected 0..${classNames.length - 1}`);
      }
      labels[n] = label;
      pixels.set(bytes.subarray(start + 1, start + CIFAR10_RECORD_BYTES), n * CIFAR10_IMAGE_BYTES);
    }
  }
  return makeImageDataset({ name, classNames, channels: 3, height: 32, width: 32, count, pixels, labels });
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
