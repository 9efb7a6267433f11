import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The layering of lib/ (docs/ARCHITECTURE.md), checked from the code's own imports with the
 * TypeScript compiler: no import cycle anywhere (type-only imports count too: a cycle of types
 * is still two files that cannot be understood apart), connections know nothing of transactions,
 * and only the Nest module imports @nestjs.
 */
const LIB = resolve(__dirname, '../../lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

interface ImportEdge {
  readonly specifier: string;
  /** Erased by the compiler (`import type`, or every name imported `type X`): no load-time dependency. */
  readonly typeOnly: boolean;
}

/** Every module a file imports or re-exports (static imports, export-from, import(), import types). */
function imports(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: ImportEdge[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((element) => element.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  throw new Error(`${relative(LIB, from)} imports ${specifier}, which does not resolve to a file in lib/`);
}

const files = sourceFiles(LIB);
const graph = new Map(files.map((file) => [file, imports(file)]));
/** Every local import, type-only ones included: what the layering rules read. */
const localEdges = new Map(files.map((file) => [file, graph.get(file)!.flatMap((edge) => resolveLocal(file, edge.specifier) ?? [])]));
/** Imports that load a module when this one loads: what a cycle is made of. */
const loadEdges = new Map(
  files.map((file) => [file, graph.get(file)!.flatMap((edge) => (edge.typeOnly ? [] : resolveLocal(file, edge.specifier) ?? []))]),
);
const name = (file: string) => relative(LIB, file);
const folder = (file: string) => name(file).split('/')[0]!;

/**
 * Strongly connected components with more than one file (or a file importing itself): cycles of
 * imports that load code. Type-only imports are erased by the compiler and cannot make modules
 * load in a circle; they are still held to the layering rules below.
 */
function cycles(edges: Map<string, string[]> = loadEdges): string[][] {
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (file: string) => {
    indexes.set(file, index);
    low.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file)!) {
      if (!indexes.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, indexes.get(next)!));
      }
    }
    if (low.get(file) === indexes.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(name(member));
      } while (member !== file);
      if (component.length > 1 || edges.get(file)!.includes(file)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indexes.has(node)) connect(node);
  return found;
}

describe('layering of lib/', () => {
  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('keeps connections free of transaction, coordinator, registry, model and Nest code', () => {
    const forbidden = ['transaction', 'distributed', 'registry', 'module', 'model', 'schema'];
    const offending = files
      .filter((file) => folder(file) === 'connection')
      .flatMap((file) => localEdges.get(file)!.filter((target) => forbidden.includes(folder(target))).map((target) => `${name(file)} -> ${name(target)}`));
    expect(offending).toEqual([]);
  });

  it('keeps the transaction engine free of the coordinator, the registry and Nest', () => {
    const offending = files
      .filter((file) => folder(file) === 'transaction')
      .flatMap((file) =>
        localEdges.get(file)!.filter((target) => ['distributed', 'registry', 'module'].includes(folder(target))).map((target) => `${name(file)} -> ${name(target)}`),
      );
    expect(offending).toEqual([]);
  });

  it('lets only lib/module import @nestjs packages', () => {
    const offending = files.filter((file) => folder(file) !== 'module' && graph.get(file)!.some((edge) => edge.specifier.startsWith('@nestjs/'))).map(name);
    expect(offending).toEqual([]);
  });

  it('finds the cycles it is meant to find', () => {
    // The checker itself: a two-file cycle in a throw-away graph is reported.
    const edges = new Map(loadEdges);
    const [a, b] = files;
    edges.set(a!, [...edges.get(a!)!, b!]);
    edges.set(b!, [...edges.get(b!)!, a!]);
    expect(cycles(edges).some((cycle) => cycle.includes(name(a!)) && cycle.includes(name(b!)))).toBe(true);
  });
});
