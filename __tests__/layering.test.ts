import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

// The layers read one way: main.ts -> constructs/ -> lib/. lib/ holds building blocks that know
// nothing of constructs (the policy pack judges plain data that constructs/policy-model.ts
// describes), and no module imports itself back through others. Type-only imports count: they
// tie the layers as much as value imports do.

const ROOT = path.resolve(__dirname, "..");
const SOURCE_DIRS = ["lib", "constructs"];

function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
  return [path.join(ROOT, "main.ts"), ...SOURCE_DIRS.flatMap((dir) => walk(path.join(ROOT, dir)))];
}

/** Our own modules a file imports or re-exports (relative specifiers resolved to files). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith("."))
    .flatMap((spec) => {
      const base = path.resolve(path.dirname(file), spec);
      const found = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
      // Generated bindings (.gen) and JSON data are leaves, outside the layers.
      return found ? [found] : [];
    });
}

function importGraph(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((file) => [file, importsOf(file)]));
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.map((f) => path.relative(ROOT, f)).sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

function layerOf(file: string): string {
  return path.relative(ROOT, file).split(path.sep)[0];
}

/** Imports from `layer` into any of `above`, as `from -> to`. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>, layer: string, above: readonly string[]): string[] {
  return [...graph].flatMap(([file, imports]) =>
    layerOf(file) === layer ? imports.filter((target) => above.includes(layerOf(target))).map((target) => `${path.relative(ROOT, file)} -> ${path.relative(ROOT, target)}`) : [],
  );
}

describe("module layering", () => {
  const graph = importGraph(sourceFiles());

  test("reads our sources: every construct and lib module is in the graph", () => {
    expect(graph.size).toBeGreaterThan(60);
    expect(graph.get(path.join(ROOT, "constructs", "dockhost-app.ts"))).toContain(path.join(ROOT, "constructs", "policy-model.ts"));
  });

  test("nothing in lib/ imports constructs/ or main.ts; nothing in constructs/ imports main.ts", () => {
    expect(upwardImports(graph, "lib", ["constructs", "main.ts"])).toEqual([]);
    expect(upwardImports(graph, "constructs", ["main.ts"])).toEqual([]);
  });

  test("no import cycles", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  test("the checks can fail: a lib -> constructs import and a cycle are found", () => {
    const lib = path.join(ROOT, "lib", "a.ts");
    const construct = path.join(ROOT, "constructs", "b.ts");
    const other = path.join(ROOT, "constructs", "c.ts");
    const bad = new Map([
      [lib, [construct]],
      [construct, [other]],
      [other, [construct]],
    ]);
    expect(upwardImports(bad, "lib", ["constructs"])).toEqual(["lib/a.ts -> constructs/b.ts"]);
    expect(importCycles(bad)).toEqual([["constructs/b.ts", "constructs/c.ts"]]);
  });
});
