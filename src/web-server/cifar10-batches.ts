/**
 * CIFAR-10 for the browser pages, served as the official binary batches.
 *
 * The page asks for `/data/cifar10/<file>.bin` (data_batch_1.bin … data_batch_5.bin, test_batch.bin)
 * and keeps the bytes it gets as a Uint8Array: 30.7 MB per batch as bytes, four times that as floats.
 * Where the bytes come from is decided here, on the server side, the same way the CLI decides it
 * (`findCifar10`, src/data/cifar10.ts): an unpacked `cifar-10-batches-bin/` folder is read file by
 * file; `cifar-10-binary.tar.gz` is gunzipped and listed once, on the first request, and kept in
 * memory (about 180 MB, 3 s), so the browser never has to unpack an archive.
 *
 * Node-facing (node:fs, node:zlib).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.ts';
import {
  CIFAR10_CLASS_NAMES, CIFAR10_META_FILE, CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES,
  findCifar10, resolveCifar10Location,
} from '../data/cifar10.ts';
import { findTarMember, readTar } from '../io/tar.ts';
import type { DataInfo } from '../web/cifar10-data.ts';

/** What `/data/info.json` tells the page (the page reads it as src/web/cifar10-data.ts's DataInfo). */
export type { DataInfo };

export interface Cifar10Batches {
  info: DataInfo;
  /** The bytes of one batch file (one of info.trainFiles / info.testFile), or null for any other name. */
  read(fileName: string): Uint8Array | null;
}

/** The served file names: only these can ever be read, whatever the request says. */
const SERVED_FILES = new Set([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]);

/**
 * Finds CIFAR-10 like the CLI does (`explicit`, $CIFAR10_PATH, ./datasets/, ../shared/datasets/cifar10/).
 * Returns a reader for its batch files, or a 'generated' info when there is no copy.
 * @throws DataError when `explicit` or CIFAR10_PATH names a place without CIFAR-10 (as the CLI does).
 */
export function openCifar10Batches(explicit?: string): Cifar10Batches {
  const found = findCifar10(explicit);
  const location = found ? resolveCifar10Location(found) : null;
  if (!location) return generatedOnly('no CIFAR-10 copy found');
  const info: DataInfo = {
    kind: 'cifar10', description: `CIFAR-10 from ${location.path}`,
    classNames: [...CIFAR10_CLASS_NAMES], trainFiles: [...CIFAR10_TRAIN_FILES], testFile: CIFAR10_TEST_FILE,
    recordBytes: CIFAR10_RECORD_BYTES,
  };
  if (location.kind === 'folder') {
    const names = readMetaNames(fs.existsSync(path.join(location.path, CIFAR10_META_FILE))
      ? fs.readFileSync(path.join(location.path, CIFAR10_META_FILE)) : null);
    if (names) info.classNames = names;
    return {
      info,
      read: (fileName) => (SERVED_FILES.has(fileName) ? checkedBatch(fs.readFileSync(path.join(location.path, fileName)), fileName) : null),
    };
  }
  // The archive: unpacked once, on first use, then served from memory.
  let members: ReturnType<typeof readTar> | null = null;
  const member = (name: string) => {
    if (!members) {
      const packed = fs.readFileSync(location.path);
      members = readTar(packed[0] === 0x1f && packed[1] === 0x8b ? gunzipSync(packed) : packed, location.path);
    }
    return findTarMember(members, name);
  };
  return {
    info,
    read: (fileName) => {
      if (!SERVED_FILES.has(fileName)) return null;
      const found = member(fileName);
      if (!found) throw new DataError(`${location.path}: missing ${fileName} in the archive`);
      return checkedBatch(found.data, `${location.path}:${fileName}`);
    },
  };
}

/** No batches: the pages build the embedded generated image set themselves. `why` is shown on the page. */
export function generatedOnly(why: string): Cifar10Batches {
  return {
    info: {
      kind: 'generated', description: `${why}: the embedded generated image set (built in the page)`,
      classNames: [], trainFiles: [], testFile: null, recordBytes: CIFAR10_RECORD_BYTES,
    },
    read: () => null,
  };
}

/** A batch must be whole records: a truncated file is reported here, not as garbage images in the page. */
function checkedBatch(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataError(`${where}: ${bytes.length} bytes is not a positive multiple of the ${CIFAR10_RECORD_BYTES}-byte record`);
  }
  return bytes;
}

/** Ten names from batches.meta.txt, or null to keep the standard ones. */
function readMetaNames(bytes: Uint8Array | null): string[] | null {
  if (!bytes) return null;
  const names = new TextDecoder().decode(bytes).split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return names.length === 10 ? names : null;
}
