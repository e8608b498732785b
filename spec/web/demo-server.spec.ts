/**
 * The demo server (src/web-server/): what it serves, what it refuses, its headers, a taken port, and
 * the `demo` command's start and clean stop. No browser needed.
 */
import { EXIT_CODES } from '../../src/errors.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from '../../src/data/cifar10.ts';
import { ConfigError } from '../../src/errors.ts';
import { openCifar10Batches } from '../../src/web-server/cifar10-batches.ts';
import { SECURITY_HEADERS, safeSegments, startDemoServer, type DemoServer } from '../../src/web-server/static-server.ts';

/** A raw GET: the path is sent exactly as written (no client-side normalization of `..`). */
function get(port: number, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('demo server', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-ts-demo-'));
  const pages = path.join(root, 'pages');
  const scripts = path.join(root, 'scripts');
  const cifar = path.join(root, 'cifar-10-batches-bin');
  let server: DemoServer;

  before(async () => {
    fs.mkdirSync(path.join(scripts, 'web'), { recursive: true });
    fs.mkdirSync(pages);
    fs.mkdirSync(cifar);
    fs.writeFileSync(path.join(pages, 'index.html'), '<!doctype html><title>index</title>');
    fs.writeFileSync(path.join(pages, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    fs.writeFileSync(path.join(pages, 'page.ts'), 'export const secret = 1;');
    fs.writeFileSync(path.join(scripts, 'web', 'page.js'), 'export const x = 1;');
    fs.writeFileSync(path.join(root, 'outside.html'), 'must never be served');
    // A tiny CIFAR-10 folder: two records per batch, label k in record k.
    for (const [k, name] of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].entries()) {
      const bytes = new Uint8Array(2 * CIFAR10_RECORD_BYTES).fill(k);
      bytes[0] = k % 10;
      bytes[CIFAR10_RECORD_BYTES] = (k + 1) % 10;
      fs.writeFileSync(path.join(cifar, name), bytes);
    }
    server = await startDemoServer({ port: 0, pagesRoot: pages, scriptsRoot: scripts, data: openCifar10Batches(cifar) });
  });
  after(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 and serves the pages, the scripts and the favicon', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(server.port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.body.toString(), '<!doctype html><title>index</title>');
    const script = await get(server.port, '/js/web/page.js');
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    const favicon = await get(server.port, '/favicon.ico');
    assert.equal(favicon.status, 200);
    assert.equal(favicon.headers['content-type'], 'image/svg+xml');
  });

  it('sends COOP/COEP (cross-origin isolation) and the CSP on every answer, errors included', async () => {
    for (const target of ['/', '/js/web/page.js', '/missing.html', '/../outside.html', '/data/info.json']) {
      const { headers } = await get(server.port, target);
      assert.equal(headers['cross-origin-opener-policy'], 'same-origin', target);
      assert.equal(headers['cross-origin-embedder-policy'], 'require-corp', target);
      assert.equal(headers['content-security-policy'], SECURITY_HEADERS['Content-Security-Policy'], target);
    }
  });

  it('refuses paths that climb out of the served folders, encoded or not', async () => {
    const attempts = [
      '/../outside.html', '/js/../../outside.html', '/%2e%2e/outside.html', '/%2E%2E/outside.html', '/js/%2e%2e%2f%2e%2e%2foutside.html',
      '/js/..%2f..%2foutside.html', '/js/web/..%5c..%5c..%5coutside.html', '/%2e%2e%2foutside.html', '/.%2e/outside.html', '/data/cifar10/..%2f..%2fpackage.json',
    ];
    for (const attempt of attempts) {
      const { status, body } = await get(server.port, attempt);
      assert.ok(status === 403 || status === 404, `${attempt} → ${status}`);
      assert.ok(!body.toString().includes('must never be served'), attempt);
    }
    assert.equal((await get(server.port, '/%2e%2e/outside.html')).status, 403);
    assert.equal((await get(server.port, '/bad%zzpercent.html')).status, 400);
  });

  it('serves only the listed file types: no .ts sources, nothing unknown (404)', async () => {
    assert.equal((await get(server.port, '/page.ts')).status, 404);
    assert.equal((await get(server.port, '/js/web/page.d.ts')).status, 404);
    assert.equal((await get(server.port, '/missing.html')).status, 404);
    assert.equal((await get(server.port, '/data/cifar10/batches.meta.txt')).status, 404);
  });

  it('sends the CIFAR-10 batches the CLI would find, as bytes, and says what it found', async () => {
    const info = JSON.parse((await get(server.port, '/data/info.json')).body.toString());
    assert.equal(info.kind, 'cifar10');
    assert.deepEqual(info.trainFiles, [...CIFAR10_TRAIN_FILES]);
    assert.equal(info.testFile, CIFAR10_TEST_FILE);
    const batch = await get(server.port, '/data/cifar10/data_batch_2.bin');
    assert.equal(batch.status, 200);
    assert.equal(batch.headers['content-type'], 'application/octet-stream');
    assert.equal(batch.body.length, 2 * CIFAR10_RECORD_BYTES);
    assert.equal(batch.body[0], 1);
    assert.equal(batch.body[CIFAR10_RECORD_BYTES], 2);
  });

  it('says clearly when the port is taken', async () => {
    await assert.rejects(
      startDemoServer({ port: server.port, pagesRoot: pages, scriptsRoot: scripts, data: openCifar10Batches(cifar) }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(`port ${server.port}`) && error.message.includes('--port'),
    );
  });

  it('splits paths into decoded segments and flags every way up', () => {
    assert.deepEqual(safeSegments('/js/web/a%20b.js'), ['js', 'web', 'a b.js']);
    assert.equal(safeSegments('/a/%2e%2e/b'), 403);
    assert.equal(safeSegments('/a%2fb'), 403);
    assert.equal(safeSegments('/a%00b'), 403);
    assert.equal(safeSegments('/%E0%A4%A'), 400);
  });
});

describe('demo command', () => {
  it('prints its URL, answers, and stops cleanly on SIGTERM; a taken --port is a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as net.AddressInfo).port;
    const cli = path.resolve('src/cli.ts');
    const taken = spawn(process.execPath, ['--import', 'tsx', cli, 'demo', '--port', String(takenPort), '--data', 'generated', '--no-build'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let takenError = '';
    taken.stderr.on('data', (chunk: Buffer) => (takenError += chunk.toString()));
    const takenCode = await new Promise<number | null>((resolve) => taken.on('exit', resolve));
    blocker.close();
    assert.equal(takenCode, EXIT_CODES.config, takenError);
    assert.match(takenError, new RegExp(`port ${takenPort} on 127\\.0\\.0\\.1 is already in use; pass another with --port`));

    // --no-build: the browser spec builds dist/web (npm test runs spec files in parallel; one builder only).
    const demo = spawn(process.execPath, ['--import', 'tsx', cli, 'demo', '--port', '0', '--data', 'generated', '--no-build'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      demo.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /convnet-ts demo: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (found) resolve(found[1]!);
      });
      demo.on('exit', (code) => reject(new Error(`demo exited with ${code} before printing its URL: ${output}`)));
    });
    const port = Number(new URL(url).port);
    const page = await get(port, '/circuit.html');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<script type="module" src="\/js\/web\/circuit.js">/);
    const info = JSON.parse((await get(port, '/data/info.json')).body.toString());
    assert.equal(info.kind, 'generated');
    const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
    demo.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /SIGTERM: stopping the demo server/);
  });
});
