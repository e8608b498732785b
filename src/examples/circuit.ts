/**
 * Example 1 — the lecture's first circuit, f(x, y, z) = (x + y)·z, and backpropagation through it.
 *
 *   q = x + y          dq/dx = 1, dq/dy = 1          (an add gate distributes the gradient)
 *   f = q·z            df/dq = z, df/dz = q          (a multiply gate swaps its inputs)
 *   chain rule:        df/dx = df/dq · dq/dx = z
 *
 * With x = −2, y = 5, z = −4: q = 3, f = −12, and df/dx = df/dy = −4, df/dz = 3.
 * Run it: npx tsx src/examples/circuit.ts        Read next: src/graph/node.ts, src/graph/ops.ts
 */
import { fileURLToPath } from 'node:url';
import { add, backward, multiply, variable } from '../index.ts';

export function circuit(x = -2, y = 5, z = -4): { f: number; dfdx: number; dfdy: number; dfdz: number } {
  const [nodeX, nodeY, nodeZ] = [variable(x), variable(y), variable(z)];
  const q = add(nodeX, nodeY); // forward pass: each gate computes its value as it is built
  const f = multiply(q, nodeZ);
  backward(f); // backward pass: df/df = 1, then each gate's local rule, in reverse topological order
  return { f: f.value.data[0], dfdx: nodeX.grad.data[0], dfdy: nodeY.grad.data[0], dfdz: nodeZ.grad.data[0] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(circuit());
