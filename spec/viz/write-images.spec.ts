import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodePng } from '../../src/io/png.ts';
import { tileImages } from '../../src/viz/image-grid.ts';
import { nodePngEncoder, readMetricsFile, writePng, writeReport, writeSvg } from '../../src/viz/write-images.ts';
import { parseXml } from './xml-check.ts';
import { writeFileSync } from 'node:fs';

/** Walks the chunk list of a PNG file, checking each CRC; returns the chunk types in order. */
function chunkTypes(bytes: Uint8Array): string[] {
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const crc = view.getUint32(offset + 8 + length);
    assert.equal(crc, crc32(bytes.subarray(offset + 4, offset + 8 + length)) >>> 0, `CRC of chunk ${type}`);
    types.push(type);
    offset += 12 + length;
  }
  assert.equal(offset, bytes.length, 'chunks end exactly at the end of the file');
  return types;
}

describe('PNG output of grids', () => {
  let folder = '';
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'viz-png-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a grid that decodes back to exactly the pixels written, with a valid chunk structure', async () => {
    const tiles = Array.from({ length: 5 }, (_, k) => ({
      channels: 3,
      height: 4,
      width: 3,
      data: Float32Array.from({ length: 36 }, (_, i) => Math.sin(i * (k + 1))),
    }));
    const grid = tileImages(tiles, { columns: 3, scale: 2, padding: 1, background: [12, 34, 56] });
    const path = join(folder, 'grid.png');
    await writePng(path, grid.image);
    const bytes = new Uint8Array(await readFile(path));
    const types = chunkTypes(bytes);
    assert.equal(types[0], 'IHDR');
    assert.equal(types[types.length - 1], 'IEND');
    assert.ok(types.includes('IDAT'));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(view.getUint32(16), grid.image.width, 'IHDR width');
    assert.equal(view.getUint32(20), grid.image.height, 'IHDR height');
    assert.equal(bytes[24], 8, 'bit depth 8');
    assert.equal(bytes[25], 2, 'colour type 2 (RGB)');
    const decoded = decodePng(bytes, path);
    assert.equal(decoded.width, grid.image.width);
    assert.equal(decoded.height, grid.image.height);
    assert.equal(decoded.channels, 3);
    assert.deepEqual(decoded.pixels, grid.image.pixels);
  });

  it('nodePngEncoder is the same encoder', () => {
    const grid = tileImages([{ channels: 1, height: 2, width: 2, data: [0, 1, 2, 3] }], { padding: 0 });
    assert.deepEqual(decodePng(nodePngEncoder(grid.image)).pixels, grid.image.pixels);
  });

  it('writes a standalone SVG with an XML declaration that stays well-formed', async () => {
    const path = join(folder, 'x.svg');
    await writeSvg(path, '<svg xmlns="http://www.w3.org/2000/svg"><text>a &amp; b</text></svg>');
    const text = await readFile(path, 'utf8');
    assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg'));
    assert.equal(parseXml(text).name, 'svg');
  });

  it('writes a report with inline PNGs and reads a metrics file', async () => {
    const metricsPath = join(folder, 'metrics.jsonl');
    writeFileSync(
      metricsPath,
      '{"kind":"step","epoch":1,"step":1,"examples":8,"loss":2.3,"lr":0.1,"seconds":0.5}\n' +
        '{"kind":"epoch","epoch":1,"step":1,"trainLoss":2.3,"trainAccuracy":0.25,"seconds":1}\n',
    );
    const metrics = await readMetricsFile(metricsPath);
    assert.equal(metrics.lines.length, 2);
    const reportPath = join(folder, 'report.html');
    await writeReport(reportPath, {
      title: 'run',
      metrics: metrics.lines,
      activations: [{ layerName: 'conv', shape: [2, 2, 2], maps: new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]) }],
    });
    const html = await readFile(reportPath, 'utf8');
    const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)];
    assert.equal(uris.length, 1);
    const decoded = decodePng(new Uint8Array(Buffer.from(uris[0]![1]!, 'base64')));
    assert.equal(decoded.channels, 3);
  });
});
