/**
 * A small reader for ustar (POSIX tar) archives held in memory.
 *
 * Written by hand because Node ships no tar reader (node:zlib only undoes the gzip layer of a
 * .tar.gz). It is pure: it takes the archive bytes and returns views into them, without copying.
 *
 * The format, all we need of it. An archive is a sequence of 512-byte blocks. Each member starts
 * with one header block; its data follows, padded with zeros up to the next multiple of 512. Two
 * all-zero blocks end the archive. Header fields (ASCII, NUL- or space-terminated):
 *
 *   offset 0    name      100 bytes   member path (the tail, when a prefix is used)
 *   offset 124  size       12 bytes   data length in octal (GNU: base-256 when byte 124 has bit 7)
 *   offset 148  chksum      8 bytes   octal sum of all 512 header bytes, this field counted as spaces
 *   offset 156  typeflag    1 byte    '0' or NUL = file, '5' = directory, 'x'/'g' = pax, 'L' = GNU long name
 *   offset 257  magic       6 bytes   "ustar\0" (POSIX) or "ustar " (GNU), empty for old v7 archives
 *   offset 345  prefix    155 bytes   POSIX only: path = prefix + "/" + name
 *
 * Long paths: a pax 'x' header ("<len> path=<value>\n" records) or a GNU 'L' member carries the full
 * path of the member that follows; both are honoured, every other pax key is ignored.
 *
 * Every header checksum is verified, so a file that is not a tar (or a corrupted one) is rejected at
 * once instead of yielding garbage members. Errors are DataErrors naming the source.
 */
import { DataError } from '../errors.ts';

export const TAR_BLOCK_SIZE = 512;

export type TarMemberType = 'file' | 'directory' | 'other';

export interface TarMember {
  /** Path inside the archive, e.g. "cifar-10-batches-bin/data_batch_1.bin" (a leading "./" removed). */
  readonly name: string;
  readonly type: TarMemberType;
  /** The raw type flag character ('0', '5', '2' for a symlink, ...). */
  readonly typeflag: string;
  /** Data length in bytes. */
  readonly size: number;
  /** The member's bytes: a view into the archive (not a copy). Empty for directories. */
  readonly data: Uint8Array;
}

/**
 * Lists the members of a tar archive, in archive order.
 *
 * @param bytes  the whole (already gunzipped) archive
 * @param source what to call the archive in error messages (usually its file path)
 * @throws DataError "not a tar archive" when the first header fails its checksum or magic test;
 *         "truncated" when a member's data or the end-of-archive blocks run past the end of `bytes`.
 */
export function readTar(bytes: Uint8Array, source = 'tar archive'): TarMember[] {
  if (bytes.length < TAR_BLOCK_SIZE) {
    throw new DataError(`${source}: not a tar archive (${bytes.length} bytes, a tar needs at least 1024)`);
  }
  if (!isZeroBlock(bytes, 0) && !tarHeaderLooksValid(bytes, 0)) {
    throw new DataError(`${source}: not a tar archive (the first 512-byte header fails the ustar checksum)`);
  }

  const members: TarMember[] = [];
  let offset = 0;
  let pendingLongName: string | null = null; // from a pax 'x' or GNU 'L' member, for the next file

  for (;;) {
    if (offset + TAR_BLOCK_SIZE > bytes.length) {
      throw new DataError(
        `${source}: truncated tar archive (ends at byte ${bytes.length} without the two zero blocks that close it)`,
      );
    }
    if (isZeroBlock(bytes, offset)) break; // end of archive (a second zero block normally follows)

    const header = parseTarHeader(bytes, offset, source);
    const dataStart = offset + TAR_BLOCK_SIZE;
    const dataEnd = dataStart + header.size;
    if (dataEnd > bytes.length) {
      throw new DataError(
        `${source}: truncated tar member "${pendingLongName ?? header.name}": needs ${header.size} bytes of data ` +
          `from byte ${dataStart}, but the archive ends at byte ${bytes.length}`,
      );
    }
    const data = bytes.subarray(dataStart, dataEnd);
    offset = dataStart + paddedSize(header.size);

    if (header.typeflag === 'x' || header.typeflag === 'L') {
      pendingLongName = header.typeflag === 'L' ? cString(data, 0, data.length) : (paxPath(data) ?? pendingLongName);
      continue;
    }
    if (header.typeflag === 'g') continue; // pax global header: nothing we use

    const name = stripDotSlash(pendingLongName ?? header.name);
    pendingLongName = null;
    members.push({ name, type: tarMemberType(header.typeflag), typeflag: header.typeflag, size: header.size, data });
  }
  return members;
}

/**
 * The file member whose path is `name`, or whose path ends with "/" + `name` (so "data_batch_1.bin"
 * finds "cifar-10-batches-bin/data_batch_1.bin"). An exact match wins over a suffix match.
 */
export function findTarMember(members: readonly TarMember[], name: string): TarMember | undefined {
  const files = members.filter((member) => member.type === 'file');
  return files.find((member) => member.name === name) ?? files.find((member) => member.name.endsWith(`/${name}`));
}

/** '0', NUL and '7' (contiguous) are regular files, '5' a directory; links, devices etc. are 'other'. */
export function tarMemberType(typeflag: string): TarMemberType {
  return typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
}

/** Size rounded up to a whole number of 512-byte blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK_SIZE) * TAR_BLOCK_SIZE;
}

/**
 * The header checksum: the unsigned sum of the 512 header bytes with the 8-byte checksum field
 * (offset 148) counted as ASCII spaces. Exported so that spec fixtures can build valid headers.
 */
export function tarHeaderChecksum(bytes: Uint8Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : bytes[offset + i];
  }
  return sum;
}

/** The fields of one header block that a reader uses. */
export interface TarHeader {
  name: string;
  size: number;
  typeflag: string;
}

/**
 * Reads the header block at `offset` (checksum verified, POSIX prefix joined to the name).
 * Shared with the streaming reader (tar-stream.ts), which keeps one block at a time and so passes
 * the block's position in the archive as `archiveOffset`, for messages.
 * @throws DataError "corrupt tar header at byte <offset>" on a checksum or size field that fails.
 */
export function parseTarHeader(bytes: Uint8Array, offset: number, source: string, archiveOffset = offset): TarHeader {
  const stored = parseOctal(bytes, offset + 148, 8);
  const computed = tarHeaderChecksum(bytes, offset);
  if (stored !== computed && stored !== signedChecksum(bytes, offset)) {
    throw new DataError(
      `${source}: corrupt tar header at byte ${archiveOffset}: checksum field says ${stored}, header bytes sum to ${computed}`,
    );
  }
  const isPosixUstar = cString(bytes, offset + 257, 6) === 'ustar';
  const name = cString(bytes, offset, 100);
  const prefix = isPosixUstar ? cString(bytes, offset + 345, 155) : '';
  const size = parseSize(bytes, offset + 124);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new DataError(`${source}: corrupt tar header at byte ${archiveOffset}: unreadable size field`);
  }
  const typeflag = String.fromCharCode(bytes[offset + 156]);
  return { name: prefix ? `${prefix}/${name}` : name, size, typeflag };
}

/** True when a header at `offset` has a valid checksum: used to recognise a tar at all. */
export function tarHeaderLooksValid(bytes: Uint8Array, offset: number): boolean {
  const stored = parseOctal(bytes, offset + 148, 8);
  if (Number.isNaN(stored)) return false;
  return stored === tarHeaderChecksum(bytes, offset) || stored === signedChecksum(bytes, offset);
}

/** Some old writers summed the header as signed bytes; POSIX says readers should accept both. */
function signedChecksum(bytes: Uint8Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : bytes[offset + i];
    sum += byte >= 128 ? byte - 256 : byte;
  }
  return sum;
}

function parseSize(bytes: Uint8Array, offset: number): number {
  if (bytes[offset] & 0x80) {
    // GNU base-256: the remaining 11 bytes are a big-endian binary number (files of 8 GiB and more).
    let value = 0;
    for (let i = 1; i < 12; i++) value = value * 256 + bytes[offset + i];
    return value;
  }
  return parseOctal(bytes, offset, 12);
}

/** An octal number in ASCII, with optional leading spaces, ended by NUL, space or the field's end. */
function parseOctal(bytes: Uint8Array, offset: number, length: number): number {
  let i = offset;
  const end = offset + length;
  while (i < end && bytes[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const byte = bytes[i];
    if (byte === 0 || byte === 0x20) break;
    if (byte < 0x30 || byte > 0x37) return Number.NaN;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  return digits === 0 ? Number.NaN : value;
}

/** ASCII/UTF-8 text of a NUL-terminated field. */
export function cString(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(offset, end));
}

/**
 * The "path" value of pax extended-header records, if any. Each record is
 * "<length> <key>=<value>\n", where <length> counts the bytes of the whole record, newline included.
 */
export function paxPath(data: Uint8Array): string | null {
  const decoder = new TextDecoder();
  let path: string | null = null;
  let position = 0;
  while (position < data.length) {
    let space = position;
    while (space < data.length && data[space] !== 0x20) space++;
    const recordLength = Number(decoder.decode(data.subarray(position, space)));
    if (!Number.isInteger(recordLength) || recordLength <= space - position || position + recordLength > data.length) {
      break; // not a well-formed record: ignore the rest, as other readers do
    }
    const record = decoder.decode(data.subarray(space + 1, position + recordLength - 1));
    if (record.startsWith('path=')) path = record.slice('path='.length);
    position += recordLength;
  }
  return path;
}

export function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  const end = Math.min(offset + TAR_BLOCK_SIZE, bytes.length);
  for (let i = offset; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function stripDotSlash(name: string): string {
  return name.startsWith('./') ? name.slice(2) : name;
}
