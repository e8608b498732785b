/**
 * A small ONNX interpreter for the specs only: runs a decoded graph (src/formats/onnx-proto.ts) with
 * naive double-precision loops written from the operator definitions (onnx/docs/Operators.md),
 * independently of the library's layers, so that a spec can compare the exported graph's outputs
 * with `predict`'s. It knows the operators the exporter writes and the PyTorch flatten pattern.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from '../../src/formats/onnx-proto.ts';

export interface Value {
  dims: number[];
  data: Float64Array;
}

const size = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
const strides = (dims: readonly number[]) => dims.map((_, i) => size(dims.slice(i + 1)));

function fromTensor(t: OnnxTensor): Value {
  return { dims: [...t.dims], data: Float64Array.from(t.values as ArrayLike<number>) };
}

/** Numpy-style broadcasting of a binary elementwise op. */
function broadcast(a: Value, b: Value, op: (x: number, y: number) => number): Value {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...Array(rank - d.length).fill(1), ...d];
  const da = pad(a.dims), db = pad(b.dims);
  const dims = da.map((d, i) => {
    if (d !== db[i] && d !== 1 && db[i] !== 1) throw new Error(`broadcast: ${a.dims} vs ${b.dims}`);
    return Math.max(d, db[i]);
  });
  const sa = strides(da), sb = strides(db), so = strides(dims);
  const out = new Float64Array(size(dims));
  for (let i = 0; i < out.length; i++) {
    let ia = 0, ib = 0;
    for (let k = 0; k < rank; k++) {
      const coordinate = Math.floor(i / so[k]) % dims[k];
      if (da[k] !== 1) ia += coordinate * sa[k];
      if (db[k] !== 1) ib += coordinate * sb[k];
    }
    out[i] = op(a.data[ia], b.data[ib]);
  }
  return { dims, data: out };
}

const map = (x: Value, f: (v: number) => number): Value => ({ dims: x.dims, data: x.data.map(f) });

function attributes(node: OnnxNode) {
  const find = (name: string) => node.attributes.find((a) => a.name === name);
  return {
    ints: (name: string, fallback: number[]) => find(name)?.ints ?? fallback,
    int: (name: string, fallback: number) => find(name)?.i ?? fallback,
    float: (name: string, fallback: number) => find(name)?.f ?? fallback,
    tensor: (name: string) => find(name)?.t,
  };
}

/** Y[n,k,oy,ox] = B[k] + Σ_{c,fy,fx} X[n,c,oy·S−P+fy·D, ox·S−P+fx·D]·W[k,c,fy,fx] (zero outside). */
function conv(x: Value, w: Value, b: Value | undefined, node: OnnxNode): Value {
  const a = attributes(node);
  const [n, c, h, wd] = x.dims;
  const [k, , fh, fw] = w.dims;
  const [sh, sw] = a.ints('strides', [1, 1]);
  const [ph, pw] = a.ints('pads', [0, 0, 0, 0]);
  const [dh, dw] = a.ints('dilations', [1, 1]);
  const oh = Math.floor((h + 2 * ph - dh * (fh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + 2 * pw - dw * (fw - 1) - 1) / sw) + 1;
  const out = new Float64Array(n * k * oh * ow);
  for (let ni = 0; ni < n; ni++) for (let ki = 0; ki < k; ki++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let sum = b ? b.data[ki] : 0;
    for (let ci = 0; ci < c; ci++) for (let fy = 0; fy < fh; fy++) for (let fx = 0; fx < fw; fx++) {
      const y = oy * sh - ph + fy * dh, xx = ox * sw - pw + fx * dw;
      if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
      sum += x.data[((ni * c + ci) * h + y) * wd + xx] * w.data[((ki * c + ci) * fh + fy) * fw + fx];
    }
    out[((ni * k + ki) * oh + oy) * ow + ox] = sum;
  }
  return { dims: [n, k, oh, ow], data: out };
}

function pool(x: Value, node: OnnxNode, max: boolean): Value {
  const a = attributes(node);
  const [kh, kw] = a.ints('kernel_shape', []);
  const [sh, sw] = a.ints('strides', [1, 1]);
  if (a.ints('pads', [0, 0, 0, 0]).some((p) => p !== 0)) throw new Error('interpreter: padded pooling not implemented');
  const [n, c, h, w] = x.dims;
  const oh = Math.floor((h - kh) / sh) + 1, ow = Math.floor((w - kw) / sw) + 1;
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let acc = max ? -Infinity : 0;
    for (let fy = 0; fy < kh; fy++) for (let fx = 0; fx < kw; fx++) {
      const v = x.data[(p * h + oy * sh + fy) * w + ox * sw + fx];
      acc = max ? Math.max(acc, v) : acc + v;
    }
    out[(p * oh + oy) * ow + ox] = max ? acc : acc / (kh * kw);
  }
  return { dims: [n, c, oh, ow], data: out };
}

/** Y = alpha·A'·B' + beta·C. */
function gemm(a: Value, b: Value, c: Value | undefined, node: OnnxNode): Value {
  const at = attributes(node);
  const transA = at.int('transA', 0), transB = at.int('transB', 0);
  const alpha = at.float('alpha', 1), beta = at.float('beta', 1);
  const [m, kA] = transA ? [a.dims[1], a.dims[0]] : a.dims;
  const n = transB ? b.dims[0] : b.dims[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let k = 0; k < kA; k++) {
      const av = transA ? a.data[k * m + i] : a.data[i * kA + k];
      const bv = transB ? b.data[j * kA + k] : b.data[k * n + j];
      sum += av * bv;
    }
    const cv = c ? (c.data.length === 1 ? c.data[0] : c.data.length === n ? c.data[j] : c.data[i * n + j]) : 0;
    out[i * n + j] = alpha * sum + beta * cv;
  }
  return { dims: [m, n], data: out };
}

function batchNorm(x: Value, [scale, bias, mean, variance]: Value[], node: OnnxNode): Value {
  const epsilon = attributes(node).float('epsilon', 1e-5);
  const channels = x.dims[1];
  const inner = size(x.dims.slice(2));
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = scale.data[c] * (x.data[i] - mean.data[c]) / Math.sqrt(variance.data[c] + epsilon) + bias.data[c];
  }
  return { dims: x.dims, data: out };
}

function reshape(x: Value, shape: Value): Value {
  const target = Array.from(shape.data).map((d, i) => (d === 0 ? x.dims[i] : d));
  const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  return { dims: target.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data };
}

function reduceMax(x: Value, node: OnnxNode): Value {
  const a = attributes(node);
  const axis = a.ints('axes', [])[0];
  const outer = size(x.dims.slice(0, axis)), count = x.dims[axis], inner = size(x.dims.slice(axis + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let best = -Infinity;
    for (let k = 0; k < count; k++) best = Math.max(best, x.data[(o * count + k) * inner + i]);
    out[o * inner + i] = best;
  }
  const dims = [...x.dims];
  if (a.int('keepdims', 1)) dims[axis] = 1;
  else dims.splice(axis, 1);
  return { dims, data: out };
}

/** Softmax over the last axis of (N, K) (axis 1 = −1 there). */
function softmax(x: Value): Value {
  const k = x.dims.at(-1)!;
  const out = new Float64Array(x.data.length);
  for (let row = 0; row < x.data.length / k; row++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, x.data[row * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += (out[row * k + j] = Math.exp(x.data[row * k + j] - max));
    for (let j = 0; j < k; j++) out[row * k + j] /= sum;
  }
  return { dims: x.dims, data: out };
}

/** Runs the graph on `input` (fed to the first non-initializer graph input); returns the first output. */
export function runOnnx(model: OnnxModel, input: Value): Value {
  const values = new Map<string, Value>();
  for (const t of model.graph.initializers) values.set(t.name, fromTensor(t));
  const inputName = model.graph.inputs.find((i) => !values.has(i.name))!.name;
  values.set(inputName, input);
  for (const node of model.graph.nodes) {
    const get = (i: number): Value => {
      const v = values.get(node.inputs[i]);
      if (!v) throw new Error(`interpreter: node ${node.name}: no value for '${node.inputs[i]}'`);
      return v;
    };
    const optional = (i: number) => (node.inputs[i] ? get(i) : undefined);
    const a = attributes(node);
    let out: Value;
    switch (node.opType) {
      case 'Sub': out = broadcast(get(0), get(1), (x, y) => x - y); break;
      case 'Div': out = broadcast(get(0), get(1), (x, y) => x / y); break;
      case 'Conv': out = conv(get(0), get(1), optional(2), node); break;
      case 'MaxPool': out = pool(get(0), node, true); break;
      case 'AveragePool': out = pool(get(0), node, false); break;
      case 'Flatten': { const x = get(0); const axis = a.int('axis', 1); out = { dims: [size(x.dims.slice(0, axis)), size(x.dims.slice(axis))], data: x.data }; break; }
      case 'Gemm': out = gemm(get(0), get(1), optional(2), node); break;
      case 'Relu': out = map(get(0), (v) => Math.max(0, v)); break;
      case 'Sigmoid': out = map(get(0), (v) => 1 / (1 + Math.exp(-v))); break;
      case 'Tanh': out = map(get(0), Math.tanh); break;
      case 'LeakyRelu': { const alpha = a.float('alpha', 0.01); out = map(get(0), (v) => (v >= 0 ? v : alpha * v)); break; }
      case 'Elu': { const alpha = a.float('alpha', 1); out = map(get(0), (v) => (v >= 0 ? v : alpha * (Math.exp(v) - 1))); break; }
      case 'BatchNormalization': out = batchNorm(get(0), [1, 2, 3, 4].map(get), node); break;
      case 'Reshape': out = reshape(get(0), get(1)); break;
      case 'ReduceMax': out = reduceMax(get(0), node); break;
      case 'Softmax': out = softmax(get(0)); break;
      case 'Dropout': case 'Identity': out = get(0); break;
      case 'Shape': { const x = get(0); out = { dims: [x.dims.length], data: Float64Array.from(x.dims) }; break; }
      case 'Gather': {
        const data = get(0), indices = get(1);
        out = { dims: indices.dims, data: indices.data.map((i) => data.data[i < 0 ? i + data.data.length : i]) };
        break;
      }
      case 'Unsqueeze': {
        // Only what the PyTorch flatten pattern needs: a scalar (the batch size) becomes a 1-vector.
        const x = get(0);
        if (x.dims.length !== 0) throw new Error('interpreter: Unsqueeze of a non-scalar not implemented');
        out = { dims: [1], data: x.data };
        break;
      }
      case 'Concat': {
        const parts = node.inputs.map((_, i) => get(i));
        out = { dims: [parts.reduce((s, p) => s + p.data.length, 0)], data: Float64Array.from(parts.flatMap((p) => Array.from(p.data))) };
        break;
      }
      case 'Constant': out = fromTensor(a.tensor('value')!); break;
      default: throw new Error(`interpreter: operator ${node.opType} not implemented`);
    }
    values.set(node.outputs[0], out);
  }
  return values.get(model.graph.outputs[0].name)!;
}
