/**
 * CIFAR-10 loader on small GENERATED batches (a few records each), in every layout the loader
 * accepts, and every error path. The real archive is checked in cifar10-archive.spec.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  cifar10InflateLimit,
  findCifar10,
  loadCifar10,
  resolveCifar10Location,
} from '../../src/data/cifar10.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { buildTar, type FixtureEntry } from '../io/tar-fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar10-spec-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const META = 'zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n';
const BATCH_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];

/** Label of record r of batch b (b = 0..4 training, 5 test), and its image byte i. */
const labelOf = (b: number, r: number): number => (3 * b + r) % 10;
const pixelOf = (b: number, r: number, i: number): number => (b * 31 + r * 7 + i) & 0xff;

/** A batch of `records` records following labelOf/pixelOf. */
function batchBytes(b: number, records: number): Uint8Array {
  const bytes = new Uint8Array(records * CIFAR10_RECORD_BYTES);
  for (let r = 0; r < records; r++) {
    bytes[r * CIFAR10_RECORD_BYTES] = labelOf(b, r);
    for (let i = 0; i < 3072; i++) bytes[r * CIFAR10_RECORD_BYTES + 1 + i] = pixelOf(b, r, i);
  }
  return bytes;
}

/** The files of a well-formed copy: 3 records per training batch, 2 in the test batch. */
function goodFiles(): Map<string, Uint8Array | string> {
  const files = new Map<string, Uint8Array | string>([['batches.meta.txt', META]]);
  BATCH_FILES.forEach((name, b) => files.set(name, batchBytes(b, 3)));
  files.set('test_batch.bin', batchBytes(5, 2));
  return files;
}

let fixtureCount = 0;
/** Writes `files` as a cifar-10-batches-bin/ folder under a new folder; returns the batches folder. */
function writeFolder(files: Map<string, Uint8Array | string>): string {
  const folder = path.join(root, `copy-${fixtureCount++}`, 'cifar-10-batches-bin');
  fs.mkdirSync(folder, { recursive: true });
  for (const [name, data] of files) fs.writeFileSync(path.join(folder, name), data);
  return folder;
}

/** Writes `files` as cifar-10-binary.tar.gz (or a plain .tar) under a new folder; returns its path. */
function writeArchive(files: Map<string, Uint8Array | string>, gzip = true): string {
  const entries: FixtureEntry[] = [{ name: 'cifar-10-batches-bin/', typeflag: '5' }];
  for (const [name, data] of files) entries.push({ name: `cifar-10-batches-bin/${name}`, data });
  const tar = buildTar(entries);
  const folder = path.join(root, `archive-${fixtureCount++}`);
  fs.mkdirSync(folder);
  const file = path.join(folder, gzip ? 'cifar-10-binary.tar.gz' : 'cifar-10-binary.tar');
  fs.writeFileSync(file, gzip ? gzipSync(tar) : tar);
  return file;
}

/** `run` may throw or reject (findCifar10 is synchronous, loadCifar10 asynchronous). */
async function expectDataError(run: () => unknown, pattern: RegExp): Promise<void> {
  await assert.rejects(async () => run(), (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

function checkGoodSplits(splits: Awaited<ReturnType<typeof loadCifar10>>, classNames: readonly string[]): void {
  const { train, test } = splits;
  assert.equal(train.count, 15);
  assert.equal(test.count, 2);
  assert.deepEqual(train.classNames, classNames);
  assert.deepEqual([train.channels, train.height, train.width], [3, 32, 32]);
  // training record n comes from batch floor(n/3), record n mod 3, in batch order
  for (let n = 0; n < 15; n++) {
    const b = Math.floor(n / 3);
    const r = n % 3;
    assert.equal(train.labels[n], labelOf(b, r));
    for (const i of [0, 1023, 1024, 2048, 3071]) assert.equal(train.pixels[n * 3072 + i], pixelOf(b, r, i));
  }
  assert.deepEqual([...test.labels], [labelOf(5, 0), labelOf(5, 1)]);
  assert.equal(test.pixels[3072 + 5], pixelOf(5, 1, 5));
}

describe('loadCifar10 layouts', () => {
  const files = goodFiles();
  const folder = writeFolder(files);
  const archive = writeArchive(files);

  it('reads the unpacked cifar-10-batches-bin folder', async () => {
    checkGoodSplits(await loadCifar10(folder), META.trim().split('\n'));
  });

  it('reads the folder above cifar-10-batches-bin', async () => {
    checkGoodSplits(await loadCifar10(path.dirname(folder)), META.trim().split('\n'));
  });

  it('streams cifar-10-binary.tar.gz, given the file or its folder', async () => {
    checkGoodSplits(await loadCifar10(archive), META.trim().split('\n'));
    checkGoodSplits(await loadCifar10(path.dirname(archive)), META.trim().split('\n'));
  });

  it('reads an uncompressed .tar', async () => {
    checkGoodSplits(await loadCifar10(writeArchive(files, false)), META.trim().split('\n'));
  });

  it('keeps only the first K records of each split when asked (across batch boundaries)', async () => {
    for (const source of [folder, archive]) {
      const { train, test } = await loadCifar10(source, { trainLimit: 4, testLimit: 1 });
      assert.equal(train.count, 4);
      assert.equal(test.count, 1);
      assert.deepEqual([...train.labels], [labelOf(0, 0), labelOf(0, 1), labelOf(0, 2), labelOf(1, 0)]);
      assert.equal(train.pixels[3 * 3072 + 7], pixelOf(1, 0, 7));
      assert.equal((await loadCifar10(source, { trainLimit: 1000 })).train.count, 15, 'a limit above the size keeps all');
    }
    await assert.rejects(() => loadCifar10(folder, { trainLimit: -1 }), ConfigError);
  });

  it('uses the standard class names when batches.meta.txt is absent', async () => {
    const withoutMeta = goodFiles();
    withoutMeta.delete('batches.meta.txt');
    checkGoodSplits(await loadCifar10(writeFolder(withoutMeta)), CIFAR10_CLASS_NAMES);
    checkGoodSplits(await loadCifar10(writeArchive(withoutMeta)), CIFAR10_CLASS_NAMES);
  });

  it('accepts CRLF line ends and trailing blank lines in batches.meta.txt', async () => {
    const crlf = goodFiles();
    crlf.set('batches.meta.txt', `${META.replaceAll('\n', '\r\n')}\r\n\r\n`);
    assert.deepEqual((await loadCifar10(writeFolder(crlf))).test.classNames, META.trim().split('\n'));
  });
});

describe('loadCifar10 errors (DataError naming the file)', () => {
  it('a missing batch', async () => {
    const files = goodFiles();
    files.delete('data_batch_3.bin');
    await expectDataError(() => loadCifar10(writeFolder(files)), /cifar-10-batches-bin[\\/]data_batch_3\.bin: missing CIFAR-10 file/);
    await expectDataError(() => loadCifar10(writeArchive(files)), /cifar-10-binary\.tar\.gz: missing data_batch_3\.bin/);
  });

  it('a size that is not a multiple of 3073 bytes (truncated record)', async () => {
    const files = goodFiles();
    files.set('data_batch_2.bin', batchBytes(1, 3).subarray(0, 2 * 3073 + 100));
    await expectDataError(
      () => loadCifar10(writeFolder(files)),
      /data_batch_2\.bin: 6246 bytes is not a positive multiple of the 3073-byte record \(2 whole records \+ 100 bytes\)/,
    );
    await expectDataError(() => loadCifar10(writeArchive(files)), /cifar-10-binary\.tar\.gz:cifar-10-batches-bin\/data_batch_2\.bin: 6246 bytes/);
    files.set('data_batch_2.bin', new Uint8Array(0));
    await expectDataError(() => loadCifar10(writeFolder(files)), /data_batch_2\.bin: 0 bytes is not a positive multiple/);
  });

  it('a label above 9', async () => {
    const files = goodFiles();
    const test = batchBytes(5, 2);
    test[3073] = 10;
    files.set('test_batch.bin', test);
    await expectDataError(() => loadCifar10(writeFolder(files)), /test_batch\.bin: record 1 has label 10, expected 0\.\.9/);
  });

  it('a malformed batches.meta.txt', async () => {
    for (const [meta, problem] of [
      ['a\nb\nc\n', /found 3 lines/],
      [META.replace('five', ''), /found an empty line/],
      [META.replace('five', 'four'), /found a repeated name/],
    ] as const) {
      const files = goodFiles();
      files.set('batches.meta.txt', meta);
      await expectDataError(() => loadCifar10(writeFolder(files)), new RegExp(`batches\\.meta\\.txt: malformed class-name file.*${problem.source}`));
    }
    const binary = goodFiles();
    binary.set('batches.meta.txt', Uint8Array.of(0xff, 0xfe, 0x00));
    await expectDataError(() => loadCifar10(writeFolder(binary)), /batches\.meta\.txt: class-name file is not UTF-8 text/);
  });

  it('a .tar.gz that is not gzip, a corrupt gzip stream, and a file that is not a tar', async () => {
    const notGzip = path.join(root, 'fake.tar.gz');
    fs.writeFileSync(notGzip, 'plain text pretending to be an archive');
    await expectDataError(() => loadCifar10(notGzip), /fake\.tar\.gz: not a gzip file/);

    const cut = path.join(root, 'cut.tar.gz');
    const whole = fs.readFileSync(writeArchive(goodFiles()));
    fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    await expectDataError(() => loadCifar10(cut), /cut\.tar\.gz: corrupt or truncated gzip data/);

    const gzippedText = path.join(root, 'text.tar.gz');
    fs.writeFileSync(gzippedText, gzipSync(new TextEncoder().encode('no tar here\n'.repeat(100))));
    await expectDataError(() => loadCifar10(gzippedText), /text\.tar\.gz: not a tar archive/);
  });

  it('a tar cut in the middle of a batch, and a tar cut before its closing blocks', async () => {
    const tarFile = writeArchive(goodFiles(), false);
    const whole = fs.readFileSync(tarFile);
    const midMember = path.join(root, 'mid-member.tar');
    fs.writeFileSync(midMember, whole.subarray(0, 512 * 4));
    await expectDataError(() => loadCifar10(midMember), /mid-member\.tar: truncated tar member "cifar-10-batches-bin\/data_batch_1\.bin"/);
    const noEnd = path.join(root, 'no-end.tar');
    fs.writeFileSync(noEnd, whole.subarray(0, whole.length - 1024));
    await expectDataError(() => loadCifar10(noEnd), /no-end\.tar: truncated tar archive/);
  });

  it('a small .tar.gz that inflates past the bound is refused without inflating it all (gzip bomb)', async () => {
    assert.equal(cifar10InflateLimit(1e6), 64 * 2 ** 20);
    assert.equal(cifar10InflateLimit(10e6), 80e6);
    assert.equal(cifar10InflateLimit(170e6), 256 * 2 ** 20);
    const bomb = path.join(root, 'bomb', 'cifar-10-binary.tar.gz');
    fs.mkdirSync(path.dirname(bomb));
    fs.writeFileSync(bomb, gzipSync(new Uint8Array(65 * 2 ** 20))); // 65 MiB of zeros: about 65 KB
    await expectDataError(() => loadCifar10(bomb), /bomb[\\/]cifar-10-binary\.tar\.gz: inflates to more than 67108864 bytes .*not the CIFAR-10 binary archive/);
  });

  it('a path that holds no CIFAR-10', async () => {
    await expectDataError(() => loadCifar10(path.join(root, 'nowhere')), /CIFAR-10 not found at .*nowhere/);
    const empty = path.join(root, 'empty-folder');
    fs.mkdirSync(empty);
    assert.equal(resolveCifar10Location(empty), null);
    await expectDataError(() => loadCifar10(empty), /CIFAR-10 not found/);
  });
});

describe('findCifar10', () => {
  const folder = writeFolder(goodFiles());

  it('returns an explicit path, resolved to the batches folder or the archive', async () => {
    assert.equal(findCifar10(path.dirname(folder)), folder);
    const archive = writeArchive(goodFiles());
    assert.equal(findCifar10(path.dirname(archive)), archive);
  });

  it('prefers the unpacked folder to the archive when a folder holds both', async () => {
    const both = path.join(root, 'both');
    fs.mkdirSync(path.join(both, 'cifar-10-batches-bin'), { recursive: true });
    fs.writeFileSync(path.join(both, 'cifar-10-binary.tar.gz'), '');
    assert.deepEqual(resolveCifar10Location(both), { kind: 'folder', path: path.join(both, 'cifar-10-batches-bin') });
  });

  it('uses CIFAR10_PATH, and fails loudly when the explicit path or CIFAR10_PATH holds nothing', async () => {
    const saved = process.env.CIFAR10_PATH;
    try {
      process.env.CIFAR10_PATH = folder;
      assert.equal(findCifar10(), folder);
      process.env.CIFAR10_PATH = path.join(root, 'missing');
      await expectDataError(() => findCifar10(), /CIFAR-10 not found at .*missing \(CIFAR10_PATH\)/);
      await expectDataError(() => findCifar10(path.join(root, 'typo')), /not found at .*typo \(the given path\)/);
    } finally {
      if (saved === undefined) delete process.env.CIFAR10_PATH;
      else process.env.CIFAR10_PATH = saved;
    }
  });

  it('looks in ./datasets/cifar10 of the working folder before the shared copy', async () => {
    const saved = { cwd: process.cwd(), env: process.env.CIFAR10_PATH };
    const project = path.join(root, 'project');
    fs.mkdirSync(path.join(project, 'datasets', 'cifar10', 'cifar-10-batches-bin'), { recursive: true });
    try {
      delete process.env.CIFAR10_PATH;
      process.chdir(project);
      assert.equal(fs.realpathSync(findCifar10()!), fs.realpathSync(path.join(project, 'datasets', 'cifar10', 'cifar-10-batches-bin')));
    } finally {
      process.chdir(saved.cwd);
      if (saved.env !== undefined) process.env.CIFAR10_PATH = saved.env;
    }
  });
});
