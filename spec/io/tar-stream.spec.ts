/**
 * The streaming tar reader gives the same members, bytes and errors as the whole-archive reader,
 * whatever the sizes of the pieces the archive arrives in (a piece boundary may fall anywhere: in a
 * header, in data, in padding).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../../src/errors.ts';
import { readTar } from '../../src/io/tar.ts';
import { MAX_TAR_NAME_MEMBER_BYTES, TarStreamReader } from '../../src/io/tar-stream.ts';
import { buildTar, paxRecords, textBytes } from './tar-fixture.ts';

interface StreamedMember {
  name: string;
  type: string;
  size: number;
  data: number[];
  ended: boolean;
}

/** Streams `archive` in pieces of `pieceSize` bytes, collecting every member whole. */
function streamAll(archive: Uint8Array, pieceSize: number, source = 'fixture.tar'): StreamedMember[] {
  const members: StreamedMember[] = [];
  const reader = new TarStreamReader(source, (info) => {
    const member: StreamedMember = { name: info.name, type: info.type, size: info.size, data: [], ended: false };
    members.push(member);
    return {
      write: (piece) => {
        assert.equal(member.ended, false, 'no data after end()');
        member.data.push(...piece);
      },
      end: () => {
        member.ended = true;
      },
    };
  });
  for (let start = 0; start < archive.length; start += pieceSize) reader.push(archive.subarray(start, start + pieceSize));
  reader.end();
  return members;
}

const PIECE_SIZES = [1, 7, 511, 512, 513, 4096, Number.MAX_SAFE_INTEGER];

describe('TarStreamReader', () => {
  const big = new Uint8Array(1300);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const longName = `${'long-folder-name/'.repeat(8)}file.txt`;
  const archive = buildTar([
    { name: 'folder/', typeflag: '5' },
    { name: 'folder/a.txt', data: 'hello' },
    { name: 'folder/big.bin', data: big },
    { name: 'empty.txt', data: '' },
    { name: 'PaxHeader', typeflag: 'x', data: paxRecords({ mtime: '1', path: longName }) },
    { name: 'truncated-name', data: 'pax' },
    { name: '././@LongLink', typeflag: 'L', data: `${longName}-gnu\0` },
    { name: 'other-truncated', data: 'gnu' },
    { name: 'file.bin', prefix: 'a/prefix', data: 'x' },
    { name: './dot.txt', data: 'y' },
  ]);

  it('hands on the same members and bytes as readTar, for every piece size', () => {
    const expected = readTar(archive).map((m) => ({ name: m.name, type: m.type, size: m.size, data: [...m.data], ended: true }));
    assert.equal(expected.length, 8);
    for (const pieceSize of PIECE_SIZES) assert.deepEqual(streamAll(archive, pieceSize), expected, `pieces of ${pieceSize} bytes`);
  });

  it('skips the data of a member whose sink is null, and ignores what follows the closing block', () => {
    const names: string[] = [];
    const reader = new TarStreamReader('fixture.tar', (info) => {
      names.push(info.name);
      return null;
    });
    const trailing = new Uint8Array(archive.length + 3000);
    trailing.set(archive);
    trailing.fill(0x41, archive.length); // garbage after the end blocks
    reader.push(trailing);
    reader.end();
    assert.equal(reader.ended, true);
    assert.deepEqual(names, readTar(archive).map((m) => m.name));
  });

  const expectDataError = (bytes: Uint8Array, pattern: RegExp): void => {
    for (const pieceSize of PIECE_SIZES) {
      assert.throws(() => streamAll(bytes, pieceSize, 'broken.tar'), (error: unknown) => {
        assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
        assert.match(error.message, /^broken\.tar: /);
        assert.match(error.message, pattern);
        return true;
      });
      // The whole-archive reader says the same.
      assert.throws(() => readTar(bytes, 'broken.tar'), pattern);
    }
  };

  it('rejects what readTar rejects, with the same messages', () => {
    expectDataError(textBytes('just some text, certainly not a tar archive'.repeat(20)), /not a tar archive \(the first 512-byte header/);
    expectDataError(new Uint8Array(100), /not a tar archive \(100 bytes/);
    const cut = buildTar([{ name: 'cut.bin', data: new Uint8Array(2000) }]);
    expectDataError(cut.subarray(0, 512 + 1024), /truncated tar member "cut\.bin": needs 2000 bytes of data from byte 512, but the archive ends at byte 1536/);
    expectDataError(buildTar([{ name: 'a.txt', data: 'abc' }]).subarray(0, 1024), /truncated tar archive \(ends at byte 1024/);
    expectDataError(buildTar([{ name: 'a.txt', data: 'abc' }]).subarray(0, 700), /truncated tar archive \(ends at byte 700/);
    const corrupt = buildTar([{ name: 'a.txt', data: 'abc' }, { name: 'b.txt', data: 'def' }]);
    corrupt[1024 + 3] ^= 0x01;
    expectDataError(corrupt, /corrupt tar header at byte 1024/);
  });

  it('refuses a long-name member too large to be a path, without allocating it', () => {
    const header = buildTar([{ name: '././@LongLink', typeflag: 'L', data: 'x' }]).slice(0, 512);
    // Rewrite the size field to 2 MiB and fix the checksum.
    header.set(textBytes(`${(2 * MAX_TAR_NAME_MEMBER_BYTES).toString(8).padStart(11, '0')}\0`), 124);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    header.set(textBytes(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    const reader = new TarStreamReader('big-name.tar', () => null);
    assert.throws(() => reader.push(header), /big-name\.tar: corrupt tar header at byte 0: a GNU long-name member of 2097152 bytes/);
  });
});
