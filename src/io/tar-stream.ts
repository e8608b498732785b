/**
 * A streaming reader for ustar (POSIX tar) archives: the archive arrives in pieces of any size (the
 * output of a gunzip stream, a file read a megabyte at a time) and each member's data is handed on
 * as it passes, so no more than one 512-byte header block is ever kept.
 *
 * Why, next to the whole-archive reader in tar.ts: CIFAR-10's archive inflates to 184 MB. Holding it
 * whole (and the 170 MB .gz it came from) only to copy the records out again doubled the peak memory
 * of every training run; streamed, the records go straight into the dataset's byte storage.
 *
 * Same format, same rules, same messages as `readTar` (tar.ts documents the header fields): every
 * header checksum is verified, pax 'x' and GNU 'L' members name the member that follows, pax 'g'
 * members are skipped, the first all-zero block ends the archive (what follows it is ignored).
 *
 * Use: `new TarStreamReader(source, onMember)`, then `push(piece)` for each piece in order, then
 * `end()`. `onMember` is called at each member's header and returns where its data goes (a sink) or
 * null to skip it. Pieces handed to a sink are views valid only during the call: copy what you keep.
 * Portable: no node:* imports.
 */
import { DataError } from '../errors.ts';
import {
  TAR_BLOCK_SIZE,
  type TarMemberType,
  cString,
  isZeroBlock,
  paddedSize,
  parseTarHeader,
  paxPath,
  stripDotSlash,
  tarHeaderLooksValid,
  tarMemberType,
} from './tar.ts';

/** A member as announced by its header (the data follows through the sink). */
export interface TarMemberInfo {
  /** Path inside the archive, a leading "./" removed. */
  readonly name: string;
  readonly type: TarMemberType;
  readonly typeflag: string;
  /** Data length in bytes. */
  readonly size: number;
}

/** Receives one member's data: consecutive pieces, then `end()` once all `size` bytes have passed. */
export interface TarMemberSink {
  write(piece: Uint8Array): void;
  end(): void;
}

/** A pax 'x' or GNU 'L' member only names a path; one larger than this is refused, not allocated. */
export const MAX_TAR_NAME_MEMBER_BYTES = 2 ** 20;

type State = 'header' | 'data' | 'padding' | 'ended';

export class TarStreamReader {
  private readonly block = new Uint8Array(TAR_BLOCK_SIZE);
  private blockFill = 0;
  /** Archive bytes consumed so far (positions in messages count from the archive's start). */
  private offset = 0;
  private state: State = 'header';
  /** Bytes left of the current member's data, or of its zero padding. */
  private remaining = 0;
  private sink: TarMemberSink | null = null;
  /** The current member, for the "truncated member" message. */
  private current = { name: '', size: 0, dataStart: 0 };
  private sawHeader = false;
  private pendingLongName: string | null = null;

  /**
   * @param source   what to call the archive in error messages (usually its file path)
   * @param onMember called at each file, directory or other member's header; returns its sink or null
   */
  constructor(
    private readonly source: string,
    private readonly onMember: (member: TarMemberInfo) => TarMemberSink | null,
  ) {}

  /**
   * Consumes the next `piece` of the archive.
   * @throws DataError "not a tar archive" when the first header fails its checksum, "corrupt tar
   *         header" on a later one; and whatever a sink throws.
   */
  push(piece: Uint8Array): void {
    let position = 0;
    while (position < piece.length) {
      const available = piece.length - position;
      if (this.state === 'ended') {
        this.offset += available;
        return;
      }
      if (this.state === 'header') {
        const take = Math.min(TAR_BLOCK_SIZE - this.blockFill, available);
        this.block.set(piece.subarray(position, position + take), this.blockFill);
        this.blockFill += take;
        this.offset += take;
        position += take;
        if (this.blockFill === TAR_BLOCK_SIZE) {
          this.blockFill = 0;
          this.readHeaderBlock(this.offset - TAR_BLOCK_SIZE);
        }
        continue;
      }
      const take = Math.min(this.remaining, available);
      if (this.state === 'data') this.sink?.write(piece.subarray(position, position + take));
      this.remaining -= take;
      this.offset += take;
      position += take;
      if (this.remaining === 0) {
        if (this.state === 'data') this.endMemberData();
        else this.state = 'header';
      }
    }
  }

  /**
   * Declares the end of the input.
   * @throws DataError "not a tar archive" (under one block), "truncated tar member" (data cut short),
   *         "truncated tar archive" (no closing zero block).
   */
  end(): void {
    if (this.state === 'ended') return;
    if (!this.sawHeader && this.offset < TAR_BLOCK_SIZE) {
      throw new DataError(`${this.source}: not a tar archive (${this.offset} bytes, a tar needs at least 1024)`);
    }
    if (this.state === 'data') {
      const { name, size, dataStart } = this.current;
      throw new DataError(
        `${this.source}: truncated tar member "${name}": needs ${size} bytes of data ` +
          `from byte ${dataStart}, but the archive ends at byte ${this.offset}`,
      );
    }
    throw new DataError(
      `${this.source}: truncated tar archive (ends at byte ${this.offset} without the two zero blocks that close it)`,
    );
  }

  /** True once the closing zero block has been read. */
  get ended(): boolean {
    return this.state === 'ended';
  }

  private readHeaderBlock(blockOffset: number): void {
    if (isZeroBlock(this.block, 0)) {
      this.state = 'ended'; // end of archive (a second zero block normally follows)
      return;
    }
    if (!this.sawHeader && !tarHeaderLooksValid(this.block, 0)) {
      throw new DataError(`${this.source}: not a tar archive (the first 512-byte header fails the ustar checksum)`);
    }
    this.sawHeader = true;
    const header = parseTarHeader(this.block, 0, this.source, blockOffset);
    this.current = { name: this.pendingLongName ?? header.name, size: header.size, dataStart: this.offset };
    if (header.typeflag === 'x' || header.typeflag === 'L') {
      this.sink = this.nameCollector(header.typeflag, header.size, blockOffset);
    } else if (header.typeflag === 'g') {
      this.sink = null; // pax global header: nothing we use
    } else {
      const name = stripDotSlash(this.pendingLongName ?? header.name);
      this.pendingLongName = null;
      this.sink = this.onMember({ name, type: tarMemberType(header.typeflag), typeflag: header.typeflag, size: header.size });
    }
    this.remaining = header.size;
    this.state = 'data';
    if (header.size === 0) this.endMemberData();
  }

  /** After a member's last data byte: tell its sink, then skip the padding to the next block. */
  private endMemberData(): void {
    const sink = this.sink;
    this.sink = null;
    this.remaining = paddedSize(this.current.size) - this.current.size;
    this.state = this.remaining > 0 ? 'padding' : 'header';
    sink?.end();
  }

  /** Collects a pax 'x' or GNU 'L' member (a path for the next member) and records that path. */
  private nameCollector(typeflag: string, size: number, blockOffset: number): TarMemberSink {
    if (size > MAX_TAR_NAME_MEMBER_BYTES) {
      throw new DataError(
        `${this.source}: corrupt tar header at byte ${blockOffset}: a ${typeflag === 'x' ? 'pax' : 'GNU long-name'} member ` +
          `of ${size} bytes (at most ${MAX_TAR_NAME_MEMBER_BYTES} expected for a path)`,
      );
    }
    const data = new Uint8Array(size);
    let filled = 0;
    return {
      write: (piece) => {
        data.set(piece, filled);
        filled += piece.length;
      },
      end: () => {
        this.pendingLongName = typeflag === 'L' ? cString(data, 0, data.length) : (paxPath(data) ?? this.pendingLongName);
      },
    };
  }
}
