/**
 * The port kit's runner in a browser: the built runner (dist/web/vectors/runner.js, from
 * `npm run build`) is imported by a blank page in headless Chromium, fetches the committed vector
 * files as text and checks every case — the same verdicts as in Node (spec/vectors/vectors.spec.ts),
 * and the conv/fc/gemm vectors bit for bit on every kernel tier the browser offers.
 *
 * A tiny static server of its own (node:http on 127.0.0.1) serves the build under /dist/ and the
 * vectors under /vectors/; 127.0.0.1 is a secure context, so the Web Crypto SHA-256 is available.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD_ROOT, REPOSITORY_ROOT, ensureBuilt } from '../../src/web-server/build.ts';
import { type Chromium, Page, findChromium } from './chromium.ts';
import { sharedChromium } from './shared-chromium.ts';

const CHROMIUM = findChromium();
const SKIP = CHROMIUM ? false : 'chromium is not installed (apt-get install chromium): the vector runner is not tested in a browser';
const VECTORS = path.join(REPOSITORY_ROOT, 'spec', 'vectors');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html' };

/** Serves /dist/* from the build, /vectors/* from spec/vectors, / as a blank page; nothing else. */
function startServer(): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const [root, rest] = url.pathname.startsWith('/dist/') ? [BUILD_ROOT, url.pathname.slice(6)]
      : url.pathname.startsWith('/vectors/') ? [VECTORS, url.pathname.slice(9)] : [null, ''];
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>vectors</title><link rel="icon" href="data:,">');
      return;
    }
    const file = root ? path.join(root, path.normalize(rest)) : '';
    if (!root || !file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** What the page runs: fetch the manifest and every file it lists, then the runner. */
function pageScript(options: string): string {
  return `(async () => {
    const { runVectors } = await import('/dist/vectors/runner.js');
    const { setKernelTier, KERNEL_TIERS } = await import('/dist/index.js');
    const manifest = await (await fetch('/vectors/manifest.json')).text();
    const files = {};
    for (const entry of JSON.parse(manifest).files) files[entry.file] = await (await fetch('/vectors/' + entry.file)).text();
    const summarize = (report) => ({ cases: report.results.length, passed: report.passed, exact: report.results.filter((r) => r.exact).length,
      failures: report.results.filter((r) => !r.passed).map((r) => r.file + ' ' + r.caseName + ': ' + r.detail),
      inexact: report.results.filter((r) => !r.exact).map((r) => r.file + ' ' + r.caseName) });
    const all = summarize(await runVectors({ manifest, files }));
    const tiers = {};
    for (const tier of KERNEL_TIERS) {
      setKernelTier(tier);
      tiers[tier] = summarize(await runVectors({ manifest, files }, ${options}));
    }
    setKernelTier('simd');
    let truncated = '';
    try { await runVectors({ manifest, files: { ...files, 'pool.json': files['pool.json'].slice(0, 3000) } }); } catch (error) { truncated = error.message; }
    return { all, tiers, truncated };
  })()`;
}

describe('the vector runner in headless Chromium', { skip: SKIP }, () => {
  let server: http.Server;
  let browser: Chromium;

  before(async () => {
    ensureBuilt();
    server = await startServer();
    browser = await sharedChromium(CHROMIUM as string);
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('passes every case, and the conv/fc/gemm vectors bit for bit on every tier', async () => {
    const page = await Page.open(browser);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await page.goto(url);
    const manifest = JSON.parse(fs.readFileSync(path.join(VECTORS, 'manifest.json'), 'utf8')) as { files: Array<{ cases: string[] }> };
    const total = manifest.files.reduce((sum, f) => sum + f.cases.length, 0);
    type Summary = { cases: number; passed: number; exact: number; failures: string[]; inexact: string[] };
    const result = await page.evaluate<{ all: Summary; tiers: Record<string, Summary>; truncated: string }>(pageScript(`{ families: ['conv', 'fc', 'gemm'] }`));
    // Tolerance cases (exp, log, sin, cos, tanh) may differ in the last bits from Node's: printed, not asserted.
    console.log(`  Chromium: ${result.all.passed}/${result.all.cases} cases pass, ${result.all.exact} bit for bit; within tolerance only: ${result.all.inexact.join('; ') || 'none'}`);
    assert.deepEqual(result.all.failures, []);
    assert.equal(result.all.cases, total);
    assert.equal(result.all.passed, total);
    for (const [tier, summary] of Object.entries(result.tiers)) {
      assert.deepEqual(summary.failures, [], `tier ${tier}`);
      assert.ok(summary.cases >= 20, `tier ${tier}: ${summary.cases} cases`);
      assert.equal(summary.exact, summary.cases, `tier ${tier}: every conv/fc/gemm case bit for bit`);
    }
    assert.match(result.truncated, /^pool\.json case '.+': truncated/);
    assert.deepEqual(page.log.errors, []);
    assert.deepEqual(page.log.failures, []);
  });
});
