/**
 * The layer diagram, enforced: every import under src/ is parsed (static, type-only, re-exports and
 * dynamic `import()`), and the spec fails when
 *   - a module imports from a level above its own, or from another folder on its own level
 *     (the order is LAYER_ORDER in src/architecture.ts, written nowhere else);
 *   - a folder of src/ (or a file directly in src/) has no place in that order;
 *   - files import each other in a cycle, even through type-only imports;
 *   - src/ imports spec/ (production code depending on test code), or a package other than node:*;
 *   - anything src/index.ts (the portable core) reaches imports node:*;
 *   - the README's Architecture diagram is not what src/architecture.ts draws.
 * The first tests run the checker on small made-up import lists, so each rule is seen to fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYER_ORDER, drawLayerDiagram } from '../../src/architecture.ts';
import type { ArchitectureLevel } from '../../src/architecture.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');

/** Source text with comments blanked out (strings and template literals kept), so a comment that
 *  shows an import is not read as one. */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '\'' || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a TypeScript file imports or re-exports, static or dynamic. */
export function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  const statement = /(?:^|[;}\n])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g;
  const sideEffect = /(?:^|[;}\n])\s*import\s*(['"])([^'"]+)\1/g;
  const dynamic = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;
  for (const pattern of [statement, sideEffect, dynamic]) {
    for (const match of code.matchAll(pattern)) found.push(match[2]);
  }
  return found;
}

/** 'kernels/engines/' for src/kernels/engines/x.ts, 'index.ts' for src/index.ts. */
function moduleOf(relativeFile: string): string {
  const directory = path.posix.dirname(relativeFile);
  return directory === '.' ? relativeFile : `${directory}/`;
}

interface ImportEdge { from: string; to: string }

/** Applies the layering rules to import edges between files (paths relative to src/). */
export function layeringProblems(order: readonly ArchitectureLevel[], files: readonly string[], edges: readonly ImportEdge[]): string[] {
  const level = new Map<string, number>();
  order.forEach((entry, index) => entry.modules.forEach((module) => level.set(module, index)));
  const problems: string[] = [];
  for (const module of new Set(files.map(moduleOf))) {
    if (!level.has(module)) problems.push(`src/${module} is not placed in LAYER_ORDER (src/architecture.ts): add it to the level it belongs to`);
  }
  for (const { from, to } of edges) {
    const fromModule = moduleOf(from);
    const toModule = moduleOf(to);
    if (fromModule === toModule) continue;
    const fromLevel = level.get(fromModule);
    const toLevel = level.get(toModule);
    if (fromLevel === undefined || toLevel === undefined) continue; // reported above
    if (toLevel < fromLevel) {
      problems.push(`src/${from} imports src/${to}: ${toModule} sits ABOVE ${fromModule} in LAYER_ORDER`);
    } else if (toLevel === fromLevel) {
      problems.push(`src/${from} imports src/${to}: ${toModule} and ${fromModule} share a level, which makes them independent`);
    }
  }
  return problems;
}

/** Import cycles between files (Tarjan's strongly connected components), each as a list of files. */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const targets = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const { from, to } of edges) targets.get(from)?.push(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const target of targets.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfLoop = (targets.get(file) ?? []).includes(file);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

/** Every .ts file under src/ (relative, '/'-separated) and its imports, resolved. */
function readSourceTree(): { files: string[]; edges: ImportEdge[]; outside: string[]; builtins: Map<string, string[]> } {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(path.relative(SRC, full).split(path.sep).join('/'));
    }
  };
  walk(SRC);
  files.sort();
  const edges: ImportEdge[] = [];
  const outside: string[] = [];
  const builtins = new Map<string, string[]>();
  for (const file of files) {
    for (const specifier of importSpecifiers(fs.readFileSync(path.join(SRC, file), 'utf8'))) {
      if (specifier.startsWith('node:')) {
        builtins.set(file, [...(builtins.get(file) ?? []), specifier]);
        continue;
      }
      if (!specifier.startsWith('.')) {
        outside.push(`src/${file} imports the package '${specifier}' (the library has no runtime dependencies)`);
        continue;
      }
      const target = path.resolve(path.dirname(path.join(SRC, file)), specifier);
      const relative = path.relative(SRC, target).split(path.sep).join('/');
      if (relative.startsWith('..')) {
        outside.push(`src/${file} imports ${path.relative(ROOT, target)}, outside src/ (production code must not depend on specs or scripts)`);
      } else if (!fs.existsSync(target)) {
        outside.push(`src/${file} imports '${specifier}', which does not exist`);
      } else {
        edges.push({ from: file, to: relative });
      }
    }
  }
  return { files, edges, outside, builtins };
}

const ORDER_FOR_SELF_TEST: ArchitectureLevel[] = [
  { modules: ['top/'], role: '' },
  { modules: ['left/', 'right/'], role: '' },
  { modules: ['base.ts'], role: '' },
];

test('import parsing: static, type-only, multi-line, re-export, side-effect and dynamic imports; not comments', () => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    'import {',
    '  c,',
    "} from './c.ts';",
    "export * from './d.ts';",
    "import './e.ts';",
    "const f = await import('./f.ts');",
    "// import { g } from './g.ts';",
    "/* export * from './h.ts'; */",
    "const text = 'not an import from \"./i.ts\"';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source).sort(), ['../b.ts', './a.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
});

test('the checker fails on an upward import, a sideways import, an unplaced folder and a cycle', () => {
  const files = ['top/t.ts', 'left/l.ts', 'right/r.ts', 'base.ts', 'new/n.ts'];
  assert.deepEqual(layeringProblems(ORDER_FOR_SELF_TEST, files.slice(0, 4), [
    { from: 'top/t.ts', to: 'left/l.ts' }, { from: 'left/l.ts', to: 'base.ts' },
  ]), []);
  const problems = layeringProblems(ORDER_FOR_SELF_TEST, files, [
    { from: 'base.ts', to: 'top/t.ts' }, { from: 'left/l.ts', to: 'right/r.ts' },
  ]);
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems.join('\n'), /src\/new\/ is not placed/);
  assert.match(problems.join('\n'), /top\/ sits ABOVE base\.ts/);
  assert.match(problems.join('\n'), /share a level/);
  assert.deepEqual(importCycles(['a.ts', 'b.ts', 'c.ts'], [
    { from: 'a.ts', to: 'b.ts' }, { from: 'b.ts', to: 'a.ts' }, { from: 'b.ts', to: 'c.ts' },
  ]), [['a.ts', 'b.ts']]);
  assert.deepEqual(importCycles(['a.ts'], [{ from: 'a.ts', to: 'a.ts' }]), [['a.ts']]);
});

test('every module of src/ is placed in LAYER_ORDER and imports only from levels below its own', () => {
  const { files, edges } = readSourceTree();
  assert.ok(files.length > 100, `expected the whole source tree, found ${files.length} files`);
  assert.ok(edges.length > 300, `expected the library's imports, found ${edges.length}`);
  const problems = layeringProblems(LAYER_ORDER, files, edges);
  assert.deepEqual(problems, [], `layering violations:\n${problems.join('\n')}`);
});

test('no module is placed twice in LAYER_ORDER', () => {
  const modules = LAYER_ORDER.flatMap((level) => level.modules);
  assert.deepEqual(modules.filter((module, i) => modules.indexOf(module) !== i), []);
});

test('no import cycles between files of src/', () => {
  const { files, edges } = readSourceTree();
  const cycles = importCycles(files, edges);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((cycle) => cycle.join(' ↔ ')).join('\n')}`);
});

test('src/ imports neither spec/ nor packages (node:* only), and every relative import resolves', () => {
  const { outside } = readSourceTree();
  assert.deepEqual(outside, [], outside.join('\n'));
});

test('the portable core — everything src/index.ts reaches — imports nothing from node:*', () => {
  const { edges, builtins } = readSourceTree();
  const reached = new Set<string>(['index.ts']);
  const queue = ['index.ts'];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const edge of edges) {
      if (edge.from === file && !reached.has(edge.to)) {
        reached.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  assert.ok(reached.size > 50, `index.ts reaches ${reached.size} files`);
  const offenders = [...reached].filter((file) => builtins.has(file)).map((file) => `src/${file}: ${builtins.get(file)!.join(', ')}`);
  assert.deepEqual(offenders, [], `Node built-ins in the portable core:\n${offenders.join('\n')}`);
});

test("the README's Architecture diagram is the one src/architecture.ts draws", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Architecture'));
  const block = /```\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'README.md: no code block under "## Architecture"');
  assert.equal(block[1], drawLayerDiagram(), 'README.md diagram differs: paste drawLayerDiagram() (src/architecture.ts) into it');
});
