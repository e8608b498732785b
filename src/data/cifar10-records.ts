/**
 * Assembles CIFAR-10's two splits from its files as their bytes stream in, straight into the
 * datasets' byte storage: the train split's N x 3072 pixel bytes and N labels, the test split's.
 *
 * Why streaming: the archive inflates to 184 MB. Reading each file whole (or the archive whole)
 * before copying its records out held the data two or three times over; here each 3,073-byte
 * record (label byte, then 3,072 image bytes already in CHW order, see cifar10.ts) is split as it
 * passes, and nothing but the final storage is ever allocated for it. A record may be cut anywhere
 * between two pieces; the writer keeps its place.
 *
 * Order. Training records are concatenated in batch order, data_batch_1 first, whatever order the
 * files arrive in. The official archive holds them in order, and then each batch is written in place
 * as it streams; a batch that arrives early (an archive repacked in directory order) is kept aside,
 * only as many of its records as can be kept, until the batches before it are in.
 *
 * Storage. The train split's size is known only once every batch header has been seen; it is
 * allocated at the first batch as 5 x that batch's records (capped by the limit), which is exact for
 * the official layout, and grows (a copy) only for a copy whose batches differ in size.
 *
 * Portable: no node:* imports. cifar10.ts feeds it from the archive (through the streaming tar
 * reader) or from the unpacked folder.
 */
import { DataError } from '../errors.ts';
import type { TarMemberSink } from '../io/tar-stream.ts';
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
/** Ten short names take about 60 bytes; a larger class-name file is refused before it is read. */
export const CIFAR10_MAX_META_BYTES = 64 * 1024;

/** A sink that also says how many leading bytes of the file it uses (a folder reader reads no more). */
export interface Cifar10FileSink extends TarMemberSink {
  readonly bytesWanted: number;
}

/**
 * Collects CIFAR-10's files into two datasets. Call `accept` at each file (any order), stream the
 * file's bytes into the returned sink, then `finish`.
 */
export class Cifar10Assembler {
  private readonly train: RecordStore;
  private readonly test: RecordStore;
  private meta: { label: string; bytes: Uint8Array } | null = null;
  private readonly accepted = new Set<string>();
  /** The training batch to be written next (0 = data_batch_1); batches before it are in. */
  private nextTrainBatch = 0;
  /** Early batches, kept aside until their turn: the raw records worth keeping. */
  private readonly earlyBatches = new Map<number, { label: string; bytes: Uint8Array }>();

  /** @param trainLimit keep only the first K training records (batch order); testLimit likewise. */
  constructor(trainLimit?: number, testLimit?: number) {
    this.train = new RecordStore(trainLimit);
    this.test = new RecordStore(testLimit);
  }

  /** True when `fileName` (a base name such as "data_batch_3.bin") is one the data set is made of. */
  static isCifar10File(fileName: string): boolean {
    return fileName === CIFAR10_META_FILE || fileName === CIFAR10_TEST_FILE || CIFAR10_TRAIN_FILES.includes(fileName);
  }

  /**
   * Where the bytes of file `fileName` go, or null for a file that is not part of CIFAR-10 or was
   * already accepted (the first copy wins).
   * @param label what to call the file in messages ("archive.tar.gz:cifar-10-batches-bin/x.bin")
   * @param size  the file's length in bytes
   * @throws DataError when a batch's size is not a positive multiple of 3,073 bytes, or the
   *         class-name file is larger than CIFAR10_MAX_META_BYTES.
   */
  accept(fileName: string, label: string, size: number): Cifar10FileSink | null {
    if (!Cifar10Assembler.isCifar10File(fileName) || this.accepted.has(fileName)) return null;
    this.accepted.add(fileName);
    if (fileName === CIFAR10_META_FILE) return this.metaSink(label, size);
    const records = recordCount(label, size);
    if (fileName === CIFAR10_TEST_FILE) return this.test.writer(label, records);
    const batch = CIFAR10_TRAIN_FILES.indexOf(fileName);
    this.train.reserveOnce(records * CIFAR10_TRAIN_FILES.length);
    if (batch === this.nextTrainBatch) return this.inOrderBatch(label, records);
    return this.earlyBatch(batch, label, records);
  }

  /**
   * The two datasets. `missing(fileName)` makes the error for a required file never accepted.
   * @throws DataError from `missing`, or for a malformed class-name file (see readClassNames).
   */
  finish(missing: (fileName: string) => DataError): DatasetSplits {
    for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) if (!this.accepted.has(name)) throw missing(name);
    if (this.nextTrainBatch !== CIFAR10_TRAIN_FILES.length) {
      throw new DataError(`CIFAR-10: ${CIFAR10_TRAIN_FILES[this.nextTrainBatch]} was announced but its records never all arrived`);
    }
    const classNames = readClassNames(this.meta);
    return {
      train: this.train.dataset('cifar10-train', classNames),
      test: this.test.dataset('cifar10-test', classNames),
    };
  }

  private metaSink(label: string, size: number): Cifar10FileSink {
    if (size > CIFAR10_MAX_META_BYTES) {
      throw new DataError(`${label}: malformed class-name file: ${size} bytes, expected ten short names (at most ${CIFAR10_MAX_META_BYTES} bytes)`);
    }
    const bytes = new Uint8Array(size);
    let filled = 0;
    return {
      bytesWanted: size,
      write: (piece) => {
        bytes.set(piece.subarray(0, size - filled), filled);
        filled += Math.min(piece.length, size - filled);
      },
      end: () => {
        this.meta = { label, bytes };
      },
    };
  }

  /** The batch whose turn it is: written in place; at its end, early batches whose turn came follow. */
  private inOrderBatch(label: string, records: number): Cifar10FileSink {
    const writer = this.train.writer(label, records);
    return {
      bytesWanted: writer.bytesWanted,
      write: (piece) => writer.write(piece),
      end: () => {
        writer.end();
        this.nextTrainBatch++;
        for (let early = this.earlyBatches.get(this.nextTrainBatch); early; early = this.earlyBatches.get(this.nextTrainBatch)) {
          this.earlyBatches.delete(this.nextTrainBatch);
          const late = this.train.writer(early.label, early.bytes.length / CIFAR10_RECORD_BYTES);
          late.write(early.bytes);
          late.end();
          this.nextTrainBatch++;
        }
      },
    };
  }

  /** A batch ahead of its turn: its first records (as many as could be kept) are held as they came. */
  private earlyBatch(batch: number, label: string, records: number): Cifar10FileSink {
    const kept = Math.min(records, this.train.limit ?? records);
    const bytes = new Uint8Array(kept * CIFAR10_RECORD_BYTES);
    let filled = 0;
    return {
      bytesWanted: bytes.length,
      write: (piece) => {
        const take = Math.min(piece.length, bytes.length - filled);
        bytes.set(piece.subarray(0, take), filled);
        filled += take;
      },
      end: () => {
        this.earlyBatches.set(batch, { label, bytes });
      },
    };
  }
}

/** N records of 3,073 bytes, validated. */
function recordCount(label: string, size: number): number {
  if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataError(
      `${label}: ${size} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(${Math.floor(size / CIFAR10_RECORD_BYTES)} whole records + ${size % CIFAR10_RECORD_BYTES} bytes): ` +
        `truncated or not a CIFAR-10 batch`,
    );
  }
  return size / CIFAR10_RECORD_BYTES;
}

/**
 * One split's storage: pixels (capacity x 3072 bytes, NCHW) and labels, filled record after record.
 */
class RecordStore {
  private pixels = new Uint8Array(0);
  private labels = new Uint8Array(0);
  private count = 0;
  private reserved = false;

  constructor(readonly limit: number | undefined) {}

  /** The first size estimate (capped by the limit); later calls do nothing. */
  reserveOnce(records: number): void {
    if (this.reserved) return;
    this.reserved = true;
    this.grow(Math.min(records, this.limit ?? records));
  }

  /**
   * A sink that appends the first records of a file of `records` records (as many as the limit
   * leaves room for) and ignores the bytes after them.
   */
  writer(label: string, records: number): Cifar10FileSink {
    const kept = Math.min(records, this.limit === undefined ? records : Math.max(0, this.limit - this.count));
    this.reserved = true;
    this.grow(this.count + kept);
    const first = this.count;
    this.count += kept; // claimed now: a later file appends after these records
    const classCount = CIFAR10_CLASS_NAMES.length;
    let record = 0; // record of the file being written
    let byteInRecord = 0; // 0 = its label byte comes next; 1..3072 = image byte byteInRecord-1
    return {
      bytesWanted: kept * CIFAR10_RECORD_BYTES,
      write: (piece) => {
        let position = 0;
        while (position < piece.length && record < kept) {
          if (byteInRecord === 0) {
            const value = piece[position++];
            if (value >= classCount) throw new DataError(`${label}: record ${record} has label ${value}, expected 0..${classCount - 1}`);
            this.labels[first + record] = value;
            byteInRecord = 1;
            continue;
          }
          const take = Math.min(CIFAR10_RECORD_BYTES - byteInRecord, piece.length - position);
          this.pixels.set(piece.subarray(position, position + take), (first + record) * CIFAR10_IMAGE_BYTES + byteInRecord - 1);
          position += take;
          byteInRecord += take;
          if (byteInRecord === CIFAR10_RECORD_BYTES) {
            byteInRecord = 0;
            record++;
          }
        }
      },
      end: () => {
        if (record < kept) {
          throw new DataError(`${label}: ended after ${record} of ${records} records (${kept} wanted)`);
        }
      },
    };
  }

  /** The dataset over the records written. Storage larger than needed (unequal batches) is trimmed. */
  dataset(name: string, classNames: string[]): ImageDataset {
    const exact = this.labels.length === this.count;
    return makeImageDataset({
      name, classNames, channels: 3, height: 32, width: 32, count: this.count,
      pixels: exact ? this.pixels : this.pixels.slice(0, this.count * CIFAR10_IMAGE_BYTES),
      labels: exact ? this.labels : this.labels.slice(0, this.count),
    });
  }

  /** Capacity for at least `records` records; growing copies what is there (unusual layouts only). */
  private grow(records: number): void {
    if (records <= this.labels.length) return;
    const pixels = new Uint8Array(records * CIFAR10_IMAGE_BYTES);
    const labels = new Uint8Array(records);
    pixels.set(this.pixels.subarray(0, this.count * CIFAR10_IMAGE_BYTES));
    labels.set(this.labels.subarray(0, this.count));
    this.pixels = pixels;
    this.labels = labels;
  }
}

/**
 * Class names from batches.meta.txt, or the standard names when the file is absent: the label
 * numbering is fixed by the data set, not by that file. A present file must hold exactly ten
 * distinct non-empty names, one per line (CRLF and trailing blank lines allowed).
 */
function readClassNames(meta: { label: string; bytes: Uint8Array } | null): string[] {
  if (!meta) return [...CIFAR10_CLASS_NAMES];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(meta.bytes);
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
