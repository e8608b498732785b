import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { heatMapOverlay, heatMapPicture, heatRgb } from '../../src/viz/heat-map.ts';
import { imageMap } from '../../src/viz/image-map.ts';

test('heat map: the scale runs dark blue → yellow; over an image, cold pixels show the image in grey', () => {
  assert.deepEqual(heatRgb(0), [20, 30, 120]);
  assert.deepEqual(heatRgb(1), [255, 255, 210]);
  const image = { channels: 3, height: 1, width: 2, data: [30, 60, 90, 90, 120, 150] }; // pixel 0 (30,90,120)/3=80, pixel 1 (60,90,150)/3=100
  const picture = heatMapOverlay(image, { height: 1, width: 2, values: [0, 1] }, { scale: 2, opacity: 0.5 });
  assert.equal(picture.width, 4);
  assert.equal(picture.height, 2);
  assert.deepEqual([...picture.pixels.subarray(0, 3)], [80, 80, 80], 'value 0: the grey image alone');
  assert.deepEqual([...picture.pixels.subarray(6, 9)], [178, 178, 155], 'value 1: half grey 100, half (255, 255, 210)');
  const low = heatMapPicture({ height: 1, width: 2, values: [0, 1] }, { scale: 1, lowIsHot: true });
  assert.deepEqual([...low.pixels.subarray(0, 3)], [255, 255, 210]);
  assert.throws(() => heatMapOverlay(image, { height: 2, width: 2, values: [0, 0, 0, 0] }), ConfigError);
});

test('image map: tiles land at their scaled coordinates with a class-coloured border', () => {
  const black = { channels: 1, height: 2, width: 2, data: [0, 0, 0, 0] };
  const map = imageMap([black, black], [0, 0, 10, 10], [0, 1], { side: 20, border: 1 });
  // tile 4 px, margin 4: room 20 − 8 − 4 = 8; point 0 at (4, 4), point 1 at (12, 12).
  const at = (x: number, y: number) => [...map.pixels.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
  assert.deepEqual(at(4, 4), [0x4e, 0x79, 0xa7], 'class 0 border: the first palette colour');
  assert.deepEqual(at(5, 5), [0, 0, 0]);
  assert.deepEqual(at(12, 12), [0xf2, 0x8e, 0x2b]);
  assert.deepEqual(at(13, 13), [0, 0, 0]);
  assert.deepEqual(at(0, 0), [255, 255, 255]);
  assert.throws(() => imageMap([black], [0], [0]), /1 images need 2 coordinates/);
});
