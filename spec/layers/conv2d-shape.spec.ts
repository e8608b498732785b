import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, ShapeError } from '../../src/errors.ts';
import { Conv2d } from '../../src/layers/conv2d.ts';
import { convOutputShape, convParameterCount, poolOutputShape } from '../../src/layers/conv-shape.ts';
import { MaxPool2d } from '../../src/layers/max-pool.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** A square convolution's shape parameters. */
function square(input: number, filter: number, stride: number, pad = 0, dilation = 1) {
  return {
    inputHeight: input, inputWidth: input, filterHeight: filter, filterWidth: filter,
    strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dilation, dilationW: dilation,
  };
}

test('lecture sizes: a 3x3 filter on a 7x7 input gives 5x5 at stride 1 and 3x3 at stride 2', () => {
  const one = convOutputShape(square(7, 3, 1));
  assert.equal(one.outputHeight, 5);
  assert.equal(one.outputWidth, 5);
  assert.equal(one.effectiveFilterHeight, 3);
  const two = convOutputShape(square(7, 3, 2));
  assert.equal(two.outputHeight, 3);
  assert.equal(two.outputWidth, 3);
});

test('lecture sizes: stride 3 does not fit a 7x7 input, and the error shows the arithmetic and a fix', () => {
  assert.throws(
    () => convOutputShape(square(7, 3, 3), 'conv1'),
    (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.ok(
        error.message.startsWith('conv1: cannot apply a 3x3 filter to a 7x7 input with stride 3: (7-3+0)/3+1 = 2.33; use padding 1 or stride 2'),
        error.message,
      );
      return true;
    },
  );
});

test('lecture sizes: 32x32x3 input, ten 5x5 filters, stride 1, pad 2 → 32x32x10 and 760 parameters', () => {
  const shape = convOutputShape(square(32, 5, 1, 2));
  assert.equal(shape.outputHeight, 32);
  assert.equal(shape.outputWidth, 32);
  assert.equal(convParameterCount({ inputChannels: 3, filters: 10, filterHeight: 5, filterWidth: 5 }), 760);
  const layer = new Conv2d({ inputShape: [3, 32, 32], filters: 10, size: 5, stride: 1, pad: 2, rng: new Rng(1) });
  assert.deepEqual(layer.outputShape, [10, 32, 32]);
  assert.equal(layer.parameters().reduce((sum, p) => sum + p.value.size, 0), 760);
});

test('dilation widens the filter to D·(F−1)+1 and padding adds 2P', () => {
  const dilated = convOutputShape(square(7, 3, 1, 0, 2)); // extent 5 → (7−5)/1+1 = 3
  assert.equal(dilated.effectiveFilterHeight, 5);
  assert.equal(dilated.outputHeight, 3);
  const padded = convOutputShape(square(5, 3, 2, 1)); // (5−3+2)/2+1 = 3
  assert.equal(padded.outputWidth, 3);
});

test('non-square input, filter, stride and padding are computed per axis', () => {
  const shape = convOutputShape({
    inputHeight: 9, inputWidth: 8, filterHeight: 3, filterWidth: 2, strideH: 2, strideW: 1,
    padH: 1, padW: 2, dilationH: 1, dilationW: 2,
  });
  assert.equal(shape.outputHeight, 5); // (9−3+2)/2+1
  assert.equal(shape.outputWidth, 10); // (8−3+4)/1+1
  assert.equal(shape.effectiveFilterWidth, 3);
});

test('errors name the failing axis when height and width differ', () => {
  assert.throws(
    () => convOutputShape({
      inputHeight: 7, inputWidth: 6, filterHeight: 3, filterWidth: 3, strideH: 2, strideW: 2,
      padH: 1, padW: 1, dilationH: 1, dilationW: 1,
    }, 'conv2'),
    (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.match(error.message, /^conv2: cannot apply a 3x3 filter to a 7x6 input with stride 2 and padding 1: width \(6-3\+2\)\/2\+1 = 3\.5; use stride 1 along the width/);
      assert.doesNotMatch(error.message, /height \(/);
      return true;
    },
  );
});

test('a filter larger than the padded input is rejected with a negative size and a padding fix', () => {
  assert.throws(
    () => convOutputShape(square(3, 5, 1), 'conv3'),
    /^ShapeError: conv3: cannot apply a 5x5 filter to a 3x3 input with stride 1: \(3-5\+0\)\/1\+1 = -1; use padding 1/,
  );
  assert.throws(() => convOutputShape(square(3, 5, 1), 'conv3'), ShapeError);
});

test('invalid hyper-parameters are ConfigErrors naming the layer', () => {
  assert.throws(() => convOutputShape({ ...square(7, 3, 1), strideH: 0 }, 'conv4'), (e: unknown) => e instanceof ConfigError && /conv4: strideH/.test(e.message));
  assert.throws(() => convOutputShape({ ...square(7, 3, 1), padW: -1 }, 'conv4'), ConfigError);
  assert.throws(() => convOutputShape({ ...square(7, 3, 1), filterHeight: 2.5 }, 'conv4'), ConfigError);
});

test('pool shape: (W − F)/S + 1, with the same error policy', () => {
  const shape = poolOutputShape({ inputHeight: 8, inputWidth: 6, filterHeight: 2, filterWidth: 3, strideH: 2, strideW: 3 });
  assert.equal(shape.outputHeight, 4);
  assert.equal(shape.outputWidth, 2);
  const overlapping = poolOutputShape({ inputHeight: 7, inputWidth: 7, filterHeight: 3, filterWidth: 3, strideH: 2, strideW: 2 });
  assert.equal(overlapping.outputHeight, 3);
  assert.throws(
    () => poolOutputShape({ inputHeight: 8, inputWidth: 8, filterHeight: 3, filterWidth: 3, strideH: 2, strideW: 2 }, 'pool1'),
    (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.ok(
        error.message.startsWith('pool1: cannot apply a 3x3 window to a 8x8 input with stride 2: (8-3)/2+1 = 3.5; use stride 1 or a window of 2'),
        error.message,
      );
      return true;
    },
  );
});

test('layers run the shape functions at build time, naming themselves', () => {
  assert.throws(() => new Conv2d({ inputShape: [1, 7, 7], filters: 2, size: 3, stride: 3, name: 'conv9', rng: new Rng(1) }), /^ShapeError: conv9: cannot apply a 3x3 filter to a 7x7 input with stride 3: /);
  assert.throws(() => new MaxPool2d({ inputShape: [1, 5, 5], size: 2, name: 'pool9' }), (e: unknown) => e instanceof ShapeError && e.message.startsWith('pool9: cannot apply a 2x2 window to a 5x5 input with stride 2'));
});
