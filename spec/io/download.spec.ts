/**
 * `download` against a local node:http server on 127.0.0.1 serving a small CIFAR-10-shaped archive
 * (never a real host): success, resume, a server that ignores ranges, redirects, bad checksum, a
 * transfer cut short, server errors, a full disk — each failure one typed line, and nothing
 * half-written where the loaders look.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { downloadCommand, downloadDataset } from '../../src/cli/download-command.ts';
import { CIFAR10_RECORD_BYTES, loadCifar10, resolveCifar10Location } from '../../src/data/cifar10.ts';
import { DOWNLOADABLE_DATASETS, mirrorUrl, type DownloadableDataset } from '../../src/data/dataset-sources.ts';
import { findFashionMnist } from '../../src/data/idx.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { DownloadError, partialPathFor } from '../../src/io/download.ts';
import { buildTar } from './tar-fixture.ts';
import { EXIT_CODES } from '../../src/errors.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'download-spec-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** A CIFAR-10-shaped archive: 2 records per batch, pixels varied enough not to compress away. */
function smallCifarArchive(): Uint8Array {
  const entries = [...[1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`), 'test_batch.bin'].map((name, b) => {
    const data = new Uint8Array(2 * CIFAR10_RECORD_BYTES);
    for (let i = 0; i < data.length; i++) data[i] = i % CIFAR10_RECORD_BYTES === 0 ? (b + i) % 10 : (i * 2654435761 + b) >>> 24;
    return { name: `cifar-10-batches-bin/${name}`, data };
  });
  return gzipSync(buildTar(entries));
}

const ARCHIVE = smallCifarArchive();
const OTHER = gzipSync(new TextEncoder().encode('not the archive you are looking for'));
const FASHION: Record<string, Uint8Array> = Object.fromEntries(
  ['t10k-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz'].map((name, k) => [
    name,
    gzipSync(Uint8Array.from({ length: 3000 + k }, (_, i) => (i * 7 + k) & 0xff)),
  ]),
);
const FILES: Record<string, Uint8Array> = { 'cifar-10-binary.tar.gz': ARCHIVE, ...FASHION };

/** The test's stand-in for CIFAR-10's entry: same file name and folder, the small archive's MD5. */
const SMALL_CIFAR: DownloadableDataset = {
  ...DOWNLOADABLE_DATASETS.cifar10,
  files: [{ ...DOWNLOADABLE_DATASETS.cifar10.files[0], md5: md5(ARCHIVE), approximateBytes: ARCHIVE.length }],
};
const SMALL_FASHION: DownloadableDataset = {
  ...DOWNLOADABLE_DATASETS['fashion-mnist'],
  files: DOWNLOADABLE_DATASETS['fashion-mnist'].files.map((file) => ({ ...file, md5: md5(FASHION[file.name]), approximateBytes: 4000 })),
};

/** Requests the server saw: path and Range header. */
const seen: Array<{ url: string; range: string | undefined }> = [];
let base = '';
let server: http.Server;

/**
 * Routes, by first path segment: /ok/<file> (honours Range: 206, or 416 past the end), /norange/<file>
 * (always 200), /other/<file> (wrong bytes), /cut/<file> (announces the whole file, sends half, hangs
 * up), /status/<code>/<file>, /redirect/<file> (302 to /ok/<file>).
 */
function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
  seen.push({ url: request.url ?? '', range: request.headers.range });
  const parts = (request.url ?? '').split('/').filter(Boolean);
  const mode = parts[0];
  const name = parts[parts.length - 1];
  const file = FILES[name];
  if (mode === 'status') {
    response.writeHead(Number(parts[1]));
    response.end('error page');
    return;
  }
  if (mode === 'redirect') {
    response.writeHead(302, { Location: `/ok/${name}` });
    response.end();
    return;
  }
  if (!file) {
    response.writeHead(404);
    response.end();
    return;
  }
  if (mode === 'other') {
    response.writeHead(200, { 'Content-Length': OTHER.length });
    response.end(OTHER);
    return;
  }
  if (mode === 'cut') {
    response.writeHead(200, { 'Content-Length': file.length });
    response.write(file.subarray(0, file.length >> 1), () => setTimeout(() => response.socket?.destroy(), 200));
    return;
  }
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  if (mode === 'ok' && range) {
    const start = Number(range[1]);
    if (start >= file.length) {
      response.writeHead(416, { 'Content-Range': `bytes */${file.length}` });
      response.end();
      return;
    }
    response.writeHead(206, { 'Content-Length': file.length - start, 'Content-Range': `bytes ${start}-${file.length - 1}/${file.length}` });
    response.end(file.subarray(start));
    return;
  }
  response.writeHead(200, { 'Content-Length': file.length });
  response.end(file);
}

before(async () => {
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

let folderCount = 0;
const newFolder = (): string => path.join(root, `to-${folderCount++}`);
/** Progress output is discarded (it is for people). */
const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
const plentyOfSpace = { freeBytes: async () => 1e12 };

async function expectDownloadError(run: () => Promise<unknown>, pattern: RegExp): Promise<DownloadError> {
  let caught: unknown = null;
  await run().catch((error: unknown) => {
    caught = error;
  });
  assert.ok(caught instanceof DownloadError, `expected a DownloadError, got ${caught}`);
  assert.ok(caught instanceof DataError, 'a DownloadError is a DataError, printed as one line by the CLI');
  assert.match(caught.message, pattern);
  assert.doesNotMatch(caught.message, /\n/, 'one line');
  return caught;
}

/** Nothing where the CIFAR-10 loader looks: no archive under its name, and the loader finds no copy. */
function assertNoCifar(folder: string): void {
  assert.equal(fs.existsSync(path.join(folder, 'cifar-10-binary.tar.gz')), false);
  if (fs.existsSync(folder)) assert.equal(resolveCifar10Location(folder), null);
}

describe('the official sources', () => {
  it('are the official addresses with the published MD5 sums; the file the loaders key on comes last', () => {
    const [cifar] = DOWNLOADABLE_DATASETS.cifar10.files;
    assert.equal(cifar.url, 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    assert.equal(cifar.md5, 'c32a1d4ab5d03f1284b67883e8d87530');
    const fashion = DOWNLOADABLE_DATASETS['fashion-mnist'].files;
    assert.deepEqual(
      fashion.map((file) => [file.name, file.md5]),
      [
        ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
        ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
        ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
        ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ],
    );
    for (const file of fashion) {
      assert.equal(file.url, `https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/${file.name}`);
    }
    assert.equal(mirrorUrl(cifar, 'http://127.0.0.1:9/files/'), 'http://127.0.0.1:9/files/cifar-10-binary.tar.gz');
    assert.equal(mirrorUrl(cifar), cifar.url);
  });
});

describe('downloadDataset against a local server', () => {
  it('success: the archive lands verified where the loader finds it, no partial file left; a second run downloads nothing', async () => {
    const folder = newFolder();
    assert.equal(await downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/ok`, output: sink, hooks: plentyOfSpace }), folder);
    const target = path.join(folder, 'cifar-10-binary.tar.gz');
    assert.equal(md5(fs.readFileSync(target)), md5(ARCHIVE));
    assert.deepEqual(fs.readdirSync(folder), ['cifar-10-binary.tar.gz']);
    assert.deepEqual(resolveCifar10Location(folder), { kind: 'archive', path: target });
    const splits = await loadCifar10(folder);
    assert.deepEqual([splits.train.count, splits.test.count], [10, 2]);
    const requests = seen.length;
    await downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/ok`, output: sink, hooks: plentyOfSpace });
    assert.equal(seen.length, requests, 'a verified file is not downloaded again');
  });

  it('follows a redirect', async () => {
    const folder = newFolder();
    await downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/redirect`, output: sink, hooks: plentyOfSpace });
    assert.equal(md5(fs.readFileSync(path.join(folder, 'cifar-10-binary.tar.gz'))), md5(ARCHIVE));
  });

  it('bad checksum: one-line error with both MD5s; neither the archive nor a partial file is left', async () => {
    const folder = newFolder();
    await expectDownloadError(
      () => downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/other`, output: sink, hooks: plentyOfSpace }),
      new RegExp(`/other/cifar-10-binary\\.tar\\.gz: checksum mismatch: the ${OTHER.length} bytes received have MD5 ${md5(OTHER)}, the published MD5 is ${md5(ARCHIVE)}`),
    );
    assertNoCifar(folder);
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('truncated transfer: one-line error, partial file kept hidden; the next run resumes it with a Range request', async () => {
    const folder = newFolder();
    const half = ARCHIVE.length >> 1;
    // The server sends half the file, then drops the connection. What the client had read by then is
    // in the partial file (normally all of the half; on a very loaded machine the drop can overtake
    // bytes still in the socket's buffer) — and the message and the resume agree with the file.
    const error = await downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/cut`, output: sink, hooks: plentyOfSpace }).then(
      () => assert.fail('a cut transfer must fail'), (e: unknown) => e as Error);
    assert.ok(error instanceof DownloadError, String(error));
    assertNoCifar(folder);
    const partial = partialPathFor(path.join(folder, 'cifar-10-binary.tar.gz'));
    const kept = fs.statSync(partial).size;
    assert.ok(kept <= half, `the partial file holds ${kept} bytes, at most the ${half} sent`);
    assert.match(error.message, new RegExp(`/cut/cifar-10-binary\\.tar\\.gz: transfer interrupted after ${kept} of ${ARCHIVE.length} bytes .*run the same command again to resume`));

    const progress: number[] = [];
    seen.length = 0;
    await downloadDataset(SMALL_CIFAR, {
      to: folder,
      mirror: `${base}/ok`,
      output: sink,
      hooks: { ...plentyOfSpace, onProgress: (received) => progress.push(received) },
    });
    assert.deepEqual(seen, [{ url: '/ok/cifar-10-binary.tar.gz', range: kept > 0 ? `bytes=${kept}-` : undefined }]);
    assert.equal(progress[0], kept, 'progress starts from the resumed bytes');
    assert.equal(progress[progress.length - 1], ARCHIVE.length);
    assert.equal(md5(fs.readFileSync(path.join(folder, 'cifar-10-binary.tar.gz'))), md5(ARCHIVE));
    assert.equal(fs.existsSync(partial), false);
  });

  it('a server that ignores Range sends the whole file again, and the download starts over', async () => {
    const folder = newFolder();
    const target = path.join(folder, 'cifar-10-binary.tar.gz');
    fs.mkdirSync(folder);
    fs.writeFileSync(partialPathFor(target), 'garbage that must not stay in front of the file');
    await downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/norange`, output: sink, hooks: plentyOfSpace });
    assert.equal(md5(fs.readFileSync(target)), md5(ARCHIVE));
  });

  for (const [status, text] of [[500, 'Internal Server Error'], [404, 'Not Found']] as const) {
    it(`server error ${status}: one-line error naming the address and the status; nothing written`, async () => {
      const folder = newFolder();
      await expectDownloadError(
        () => downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/status/${status}`, output: sink, hooks: plentyOfSpace }),
        new RegExp(`^${base}/status/${status}/cifar-10-binary\\.tar\\.gz: the server answered ${status} ${text}$`),
      );
      assertNoCifar(folder);
      assert.deepEqual(fs.readdirSync(folder), []);
    });
  }

  it('no server listening: one-line error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const folder = newFolder();
    await expectDownloadError(
      () => downloadDataset(SMALL_CIFAR, { to: folder, mirror: `http://127.0.0.1:${port}`, output: sink, hooks: plentyOfSpace }),
      /cannot download \(ECONNREFUSED/,
    );
    assertNoCifar(folder);
  });

  it('free disk space is checked before anything is requested', async () => {
    const folder = newFolder();
    seen.length = 0;
    await expectDownloadError(
      () => downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/ok`, output: sink, hooks: { freeBytes: async () => 1_000_000 } }),
      /not enough free disk space: the download needs .* plus a 67\.1 MB margin, the file system has 1\.0 MB free/,
    );
    assert.deepEqual(seen, []);
    assertNoCifar(folder);
  });

  it('Fashion-MNIST: when one file fails, none is moved into place (the loader finds nothing); the rerun completes', async () => {
    const folder = newFolder();
    // train-labels (third in order) is served wrong: the two files before it verify, but stay partial.
    FILES['train-labels-idx1-ubyte.gz'] = OTHER;
    try {
      await expectDownloadError(
        () => downloadDataset(SMALL_FASHION, { to: folder, mirror: `${base}/ok`, output: sink, hooks: plentyOfSpace }),
        /train-labels-idx1-ubyte\.gz: checksum mismatch/,
      );
    } finally {
      FILES['train-labels-idx1-ubyte.gz'] = FASHION['train-labels-idx1-ubyte.gz'];
    }
    assert.deepEqual(fs.readdirSync(folder).filter((name) => !name.startsWith('.')), []);
    assert.throws(() => findFashionMnist(folder), /Fashion-MNIST not found/);
    seen.length = 0;
    await downloadDataset(SMALL_FASHION, { to: folder, mirror: `${base}/ok`, output: sink, hooks: plentyOfSpace });
    assert.deepEqual(fs.readdirSync(folder).sort(), Object.keys(FASHION).sort());
    for (const [name, bytes] of Object.entries(FASHION)) assert.equal(md5(fs.readFileSync(path.join(folder, name))), md5(bytes));
    // The two verified partial files were resumed past their end (416) and not fetched again.
    assert.equal(seen.filter((request) => request.range !== undefined).length, 2);
  });

  it('a file already there with another checksum is left alone and named in the error', async () => {
    const folder = newFolder();
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'cifar-10-binary.tar.gz'), OTHER);
    await assert.rejects(
      () => downloadDataset(SMALL_CIFAR, { to: folder, mirror: `${base}/ok`, output: sink, hooks: plentyOfSpace }),
      (error: unknown) => error instanceof DataError && /cifar-10-binary\.tar\.gz: already exists with MD5 .*left untouched/.test(error.message),
    );
    assert.equal(md5(fs.readFileSync(path.join(folder, 'cifar-10-binary.tar.gz'))), md5(OTHER));
  });
});

describe('download progress', () => {
  it('on a terminal: one redrawn bar line that ends at 100 %, even when the terminal reports 0 columns', async () => {
    let written = '';
    const terminal = { write: (text: string) => ((written += text), true), isTTY: true, columns: 0 } as unknown as NodeJS.WritableStream;
    await downloadDataset(SMALL_CIFAR, { to: newFolder(), mirror: `${base}/ok`, output: terminal, hooks: plentyOfSpace });
    assert.match(written, /\rcifar-10-binary\.tar\.gz \[█{20}\] 100%/);
    assert.match(written, /MD5 verified\n$/);
  });

  it('in a log: a line per quarter, then the verified line', async () => {
    let written = '';
    const log = { write: (text: string) => ((written += text), true), isTTY: false } as unknown as NodeJS.WritableStream;
    await downloadDataset(SMALL_CIFAR, { to: newFolder(), mirror: `${base}/ok`, output: log, hooks: plentyOfSpace });
    const lines = written.trimEnd().split('\n');
    assert.match(lines[0], /^cifar-10-binary\.tar\.gz: 0% of /);
    assert.match(lines[lines.length - 2], /^cifar-10-binary\.tar\.gz: 100% of /);
    assert.match(lines[lines.length - 1], new RegExp(`^cifar-10-binary\\.tar\\.gz: .* from ${base}/ok/cifar-10-binary\\.tar\\.gz, MD5 verified$`));
  });
});

describe('download command', () => {
  it('checks the official MD5: a small archive served as cifar-10-binary.tar.gz is refused, nothing left', async () => {
    const folder = newFolder();
    await expectDownloadError(
      () => downloadCommand(['cifar10', '--to', folder, '--mirror', `${base}/ok`]),
      /checksum mismatch: .*the published MD5 is c32a1d4ab5d03f1284b67883e8d87530/,
    );
    assertNoCifar(folder);
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('takes the mirror from CONVNET_TS_MIRROR', async () => {
    const saved = process.env.CONVNET_TS_MIRROR;
    process.env.CONVNET_TS_MIRROR = `${base}/status/500`;
    try {
      await expectDownloadError(() => downloadCommand(['fashion-mnist', '--to', newFolder()]), /status\/500\/t10k-labels-idx1-ubyte\.gz: the server answered 500/);
    } finally {
      if (saved === undefined) delete process.env.CONVNET_TS_MIRROR;
      else process.env.CONVNET_TS_MIRROR = saved;
    }
  });

  it('refuses a missing or unknown dataset name and a mirror that is not http(s)', async () => {
    await assert.rejects(() => downloadCommand([]), (error: unknown) => error instanceof ConfigError && /name one dataset/.test(error.message));
    await assert.rejects(() => downloadCommand(['mnist']), (error: unknown) => error instanceof ConfigError && /unknown dataset 'mnist'/.test(error.message));
    await assert.rejects(() => downloadCommand(['__proto__']), ConfigError);
    await assert.rejects(
      () => downloadCommand(['cifar10', '--mirror', 'ftp://example.invalid']),
      (error: unknown) => error instanceof ConfigError && /--mirror: expected an http/.test(error.message),
    );
  });

  it('through src/cli.ts: a server error prints one "DataError:" line and exits 3 (EXIT_CODES.data)', async () => {
    const folder = newFolder();
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'download', 'cifar10', '--to', folder, '--mirror', `${base}/status/404`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, EXIT_CODES.data);
    assert.match(stderr, /^DataError: http:\/\/127\.0\.0\.1:\d+\/status\/404\/cifar-10-binary\.tar\.gz: the server answered 404 Not Found\n$/);
    assertNoCifar(folder);
  });
});
