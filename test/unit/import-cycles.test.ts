// Imports point one way (ARCHITECTURE.md): no module of server/ reaches, through its relative
// imports, back to itself. Walks server/src/** and server/rules/** from the sources (not the
// build), counting `import type` and `export ... from` too, and lists every cycle it finds.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const roots = ['server/src', 'server/rules'].map((r) => path.join(repoRoot, r));

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  }).sort();
}

/** Module specifiers of `import ... from 'x'`, `import 'x'`, `export ... from 'x'`, `import('x')`, `require('x')`. */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** `./x`, `../x` → x.ts, x/index.ts; undefined for packages and for files outside the walk. */
function resolve(from: string, spec: string, known: Set<string>): string | undefined {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (known.has(c)) return c;
  return undefined;
}

/** Cycles of the graph: for each strongly connected component, shortest cycles until every edge in it is on one. */
function findCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's SCC; components of more than one module (or with a self-import) hold cycles.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const comps: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) comps.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  const cycles: string[][] = [];
  for (const comp of comps) {
    const inComp = new Set(comp);
    // Every edge inside the component lies on a cycle; report one cycle per edge not yet covered.
    const covered = new Set<string>();
    for (const v of comp) {
      for (const w of (graph.get(v) ?? []).filter((x) => inComp.has(x))) {
        if (covered.has(`${v}\0${w}`)) continue;
        const back = shortestPath(graph, inComp, w, v);
        const cycle = [v, ...back];
        for (let i = 0; i < cycle.length; i++) covered.add(`${cycle[i]}\0${cycle[(i + 1) % cycle.length]}`);
        cycles.push(cycle);
      }
    }
  }
  return cycles;
}

function shortestPath(graph: Map<string, string[]>, within: Set<string>, from: string, to: string): string[] {
  const prev = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const v = queue.shift()!;
    if (v === to) break;
    for (const w of graph.get(v) ?? []) {
      if (within.has(w) && !prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  const pathBack: string[] = [];
  for (let v: string | undefined = to; v !== undefined; v = prev.get(v)) pathBack.unshift(v);
  return pathBack.slice(0, -1); // [from, ..., before to]: the cycle closes at `to`
}

function importGraph(): Map<string, string[]> {
  const files = roots.flatMap(tsFiles);
  assert.ok(files.length > 50, `found only ${files.length} files under ${roots.join(', ')}`);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = specifiers(fs.readFileSync(f, 'utf8'))
      .map((s) => resolve(f, s, known))
      .filter((d): d is string => d !== undefined);
    graph.set(f, [...new Set(deps)].sort());
  }
  return graph;
}

const rel = (p: string): string => path.relative(repoRoot, p).split(path.sep).join('/');

describe('import graph of server/', () => {
  it('has no cycles (relative imports of server/src and server/rules, import type included)', () => {
    const cycles = findCycles(importGraph()).map((c) => [...c, c[0]].map(rel).join(' → '));
    assert.deepStrictEqual(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}`);
  });

  it('the core (parse, model, analysis, explain) imports no rule module: the caller hands the rule set in', () => {
    const core = /^server\/src\/(parse|model|analysis|explain)\//;
    const upward = [...importGraph()].flatMap(([f, deps]) => deps.filter((d) => core.test(rel(f)) && rel(d).startsWith('server/rules/')).map((d) => `${rel(f)} → ${rel(d)}`));
    assert.deepStrictEqual(upward, [], `the core imports rules:\n  ${upward.join('\n  ')}`);
  });
});
