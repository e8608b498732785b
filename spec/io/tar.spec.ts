import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DataError } from '../../src/errors.ts';
import { findTarMember, readTar, tarHeaderChecksum } from '../../src/io/tar.ts';
import { buildTar, paxRecords, tarHeader, textBytes } from './tar-fixture.ts';

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('readTar', () => {
  it('lists files and folders with their data, as views into the archive', () => {
    const big = new Uint8Array(1300);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const archive = buildTar([
      { name: 'folder/', typeflag: '5' },
      { name: 'folder/a.txt', data: 'hello' },
      { name: 'folder/big.bin', data: big },
      { name: 'empty.txt', data: '' },
    ]);
    const members = readTar(archive, 'fixture.tar');
    assert.deepEqual(
      members.map((m) => [m.name, m.type, m.size]),
      [
        ['folder/', 'directory', 0],
        ['folder/a.txt', 'file', 5],
        ['folder/big.bin', 'file', 1300],
        ['empty.txt', 'file', 0],
      ],
    );
    assert.equal(decode(members[1].data), 'hello');
    assert.deepEqual([...members[2].data], [...big]);
    assert.equal(members[2].data.buffer, archive.buffer, 'data is a view, not a copy');
  });

  it('joins the ustar prefix and the name, and strips a leading ./', () => {
    const archive = buildTar([
      { name: 'file.bin', prefix: 'a/very/long/prefix', data: 'x' },
      { name: './dot.txt', data: 'y' },
    ]);
    assert.deepEqual(readTar(archive).map((m) => m.name), ['a/very/long/prefix/file.bin', 'dot.txt']);
  });

  it('ignores the prefix field in GNU-magic headers, where those bytes mean something else', () => {
    const archive = buildTar([{ name: 'gnu.txt', prefix: 'not-a-prefix', magic: 'ustar ', data: 'g' }]);
    assert.equal(readTar(archive)[0].name, 'gnu.txt');
  });

  it('takes the path of the next member from a pax "x" header or a GNU "L" member', () => {
    const longName = `${'long-folder-name/'.repeat(8)}file.txt`; // 144 characters, too long for the name field
    const archive = buildTar([
      { name: 'PaxHeader', typeflag: 'x', data: paxRecords({ mtime: '1', path: longName }) },
      { name: 'truncated-name', data: 'pax' },
      { name: '././@LongLink', typeflag: 'L', data: `${longName}-gnu\0` },
      { name: 'other-truncated', data: 'gnu' },
      { name: 'short.txt', data: 'plain' },
    ]);
    const members = readTar(archive);
    assert.deepEqual(members.map((m) => m.name), [longName, `${longName}-gnu`, 'short.txt']);
    assert.equal(decode(members[0].data), 'pax');
  });

  it('finds members by exact path or by file name under a folder', () => {
    const members = readTar(buildTar([
      { name: 'root/sub/', typeflag: '5' },
      { name: 'root/sub/x.bin', data: '1' },
      { name: 'x.bin', data: '2' },
    ]));
    assert.equal(decode(findTarMember(members, 'x.bin')!.data), '2', 'exact match wins');
    assert.equal(decode(findTarMember(members, 'sub/x.bin')!.data), '1');
    assert.equal(findTarMember(members, 'sub'), undefined, 'directories are not returned');
    assert.equal(findTarMember(members, 'missing.bin'), undefined);
  });

  it('computes the header checksum with the checksum field counted as spaces', () => {
    const header = tarHeader({ name: 'a', data: '' }, 0);
    const stored = parseInt(decode(header.subarray(148, 154)), 8);
    assert.equal(tarHeaderChecksum(header, 0), stored);
  });

  it('reads an archive written by the system tar (pax and GNU long names), when tar is installed', (t) => {
    let version = '';
    try {
      version = execFileSync('tar', ['--version'], { encoding: 'utf8' });
    } catch {
      t.skip('no tar command on this machine');
      return;
    }
    if (!version.includes('GNU tar')) {
      t.skip('system tar is not GNU tar (the --format options below are GNU spellings)');
      return;
    }
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-spec-'));
    try {
      const longName = `${'deep'.repeat(30)}.txt`; // 124 characters
      fs.mkdirSync(path.join(folder, 'in'));
      fs.writeFileSync(path.join(folder, 'in', longName), 'long');
      fs.writeFileSync(path.join(folder, 'in', 'small.txt'), 'small');
      for (const format of ['pax', 'gnu', 'ustar']) {
        const archivePath = path.join(folder, `${format}.tar`);
        const files = format === 'ustar' ? ['in/small.txt'] : ['in/small.txt', `in/${longName}`];
        execFileSync('tar', [`--format=${format}`, '-cf', archivePath, '-C', folder, ...files]);
        const members = readTar(fs.readFileSync(archivePath), archivePath);
        assert.deepEqual(members.map((m) => m.name), files, format);
        assert.equal(decode(findTarMember(members, 'small.txt')!.data), 'small');
        if (format !== 'ustar') assert.equal(decode(findTarMember(members, longName)!.data), 'long');
      }
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('readTar errors (DataError naming the archive)', () => {
  const expectDataError = (bytes: Uint8Array, pattern: RegExp): void => {
    assert.throws(() => readTar(bytes, 'broken.tar'), (error: unknown) => {
      assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
      assert.match(error.message, /^broken\.tar: /);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('rejects bytes that are not a tar archive', () => {
    expectDataError(textBytes('just some text, certainly not a tar archive'.repeat(20)), /not a tar archive/);
    expectDataError(new Uint8Array(100), /not a tar archive/);
  });

  it('rejects a member whose data runs past the end', () => {
    const archive = buildTar([{ name: 'cut.bin', data: new Uint8Array(2000) }]);
    expectDataError(archive.subarray(0, 512 + 1024), /truncated tar member "cut\.bin"/);
  });

  it('rejects an archive that stops without its end blocks', () => {
    const archive = buildTar([{ name: 'a.txt', data: 'abc' }]);
    expectDataError(archive.subarray(0, 1024), /truncated tar archive/);
  });

  it('rejects a later header whose checksum does not match', () => {
    const archive = buildTar([{ name: 'a.txt', data: 'abc' }, { name: 'b.txt', data: 'def' }]);
    archive[1024 + 3] ^= 0x01; // flip a bit in the second member's name
    expectDataError(archive, /corrupt tar header at byte 1024/);
  });

  it('accepts an empty archive (two zero blocks)', () => {
    assert.deepEqual(readTar(new Uint8Array(1024)), []);
  });
});
