import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circles, spiral } from '../../src/data/toy2d.ts';
import { ConfigError } from '../../src/errors.ts';
import { Rng } from '../../src/tensor/rng.ts';

describe('spiral', () => {
  it('without noise, puts point i of arm k at radius t = i/(P-1), angle 4k + 4t', () => {
    const data = spiral(new Rng(1), { arms: 3, pointsPerArm: 5, noise: 0 });
    assert.equal(data.count, 15);
    assert.deepEqual([...data.labels], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    assert.equal(data.classNames.length, 3);
    // arm 1, last point: t = 1, angle = 8
    assert.equal(data.points[2 * 9], Math.fround(Math.sin(8)));
    assert.equal(data.points[2 * 9 + 1], Math.fround(Math.cos(8)));
    // arm 2, point 2: t = 0.5, angle = 8 + 2 = 10
    assert.equal(data.points[2 * 12], Math.fround(0.5 * Math.sin(10)));
    // every arm starts at the origin
    assert.deepEqual([data.points[0], data.points[1], data.points[10], data.points[11]].map(Math.abs), [0, 0, 0, 0]);
  });

  it('with noise, keeps the radius and is deterministic for a seed', () => {
    const first = spiral(new Rng(5), { arms: 4, pointsPerArm: 50 });
    const second = spiral(new Rng(5), { arms: 4, pointsPerArm: 50 });
    assert.deepEqual(first.points, second.points);
    assert.notDeepEqual(spiral(new Rng(6), { arms: 4, pointsPerArm: 50 }).points, first.points);
    for (let n = 0; n < first.count; n++) {
      const t = (n % 50) / 49;
      assert.ok(Math.abs(Math.hypot(first.points[2 * n], first.points[2 * n + 1]) - t) < 1e-6);
    }
  });

  it('rejects bad options', () => {
    assert.throws(() => spiral(new Rng(1), { arms: 0 }), ConfigError);
    assert.throws(() => spiral(new Rng(1), { noise: -1 }), ConfigError);
  });
});

describe('circles', () => {
  it('without noise, puts ring k at radius (k + 1)/K', () => {
    const data = circles(new Rng(2), { rings: 3, pointsPerRing: 20, noise: 0 });
    assert.equal(data.count, 60);
    for (let n = 0; n < data.count; n++) {
      const ring = Math.floor(n / 20);
      assert.equal(data.labels[n], ring);
      assert.ok(Math.abs(Math.hypot(data.points[2 * n], data.points[2 * n + 1]) - (ring + 1) / 3) < 1e-6);
    }
  });

  it('with noise, scatters around the rings and is deterministic', () => {
    const data = circles(new Rng(3), { pointsPerRing: 400, noise: 0.05 });
    assert.deepEqual(circles(new Rng(3), { pointsPerRing: 400, noise: 0.05 }).points, data.points);
    const meanRadius = [0, 0];
    for (let n = 0; n < data.count; n++) meanRadius[data.labels[n]] += Math.hypot(data.points[2 * n], data.points[2 * n + 1]) / 400;
    assert.ok(Math.abs(meanRadius[0] - 0.5) < 0.02, `inner ring mean radius ${meanRadius[0]}`);
    assert.ok(Math.abs(meanRadius[1] - 1) < 0.02, `outer ring mean radius ${meanRadius[1]}`);
    assert.throws(() => circles(new Rng(1), { rings: 1.5 }), ConfigError);
  });
});
