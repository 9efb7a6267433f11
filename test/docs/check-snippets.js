#!/usr/bin/env node
// Type-checks every TypeScript snippet of README.md and docs/**/*.md against the library, with
// the project's strict settings, so that the documentation cannot drift from the code.
//
// How a snippet is compiled (see docs/ARCHITECTURE.md, "Documentation snippets"):
// - A ```ts or ```typescript block is an ES module (top-level await allowed). It may import what
//   it likes; what it uses without importing comes from `nestjs-activerecord`, or from the
//   usual Nest packages (@nestjs/common, @nestjs/core, @nestjs/testing, @nestjs/terminus).
// - Snippets of one document read like a notebook: a name declared at the top level of an
//   earlier snippet (a model, an interface, a service) is in scope in the later ones, unless a
//   later snippet declares its own.
// - Supporting actors a document mentions but does not show (an injected service, a variable
//   such as `connection`) may be declared in its context module, test/docs/context/<document
//   path without .md>.ts (README.md -> test/docs/context/README.ts): its exports are in scope.
// - A bare `...` standing for elided code (`{ ... }`, `foo(...)`) reads as a comment.
// - ```ts fragment marks a snippet that is not meant to compile (a method shown without its
//   class, an excerpt): it is skipped. Everything else must compile.
//
//   node test/docs/check-snippets.js [files...]     default: README.md and docs/**/*.md
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..');
const VIRTUAL = path.join(root, '.doc-snippets');
const CONTEXTS = path.join(__dirname, 'context');
const LANGUAGES = new Set(['ts', 'typescript']);

/** Names a snippet may use without importing them, and where they come from. */
const NEST_NAMES = {
  '@nestjs/common': ['Body', 'Controller', 'Delete', 'Get', 'Global', 'HttpCode', 'Inject', 'Injectable', 'Module', 'Param', 'ParseIntPipe', 'Patch', 'Post', 'Put', 'Query', 'ValidationPipe', 'Logger', 'OnModuleInit', 'OnApplicationShutdown', 'DynamicModule', 'INestApplication', 'Type'],
  '@nestjs/core': ['NestFactory', 'HttpAdapterHost', 'APP_FILTER', 'APP_INTERCEPTOR'],
  '@nestjs/testing': ['Test', 'TestingModule'],
  '@nestjs/terminus': ['HealthCheck', 'HealthCheckService', 'TerminusModule'],
};
const TYPE_ONLY = new Set(['OnModuleInit', 'OnApplicationShutdown', 'DynamicModule', 'INestApplication', 'Type', 'TestingModule']);

function documents(args) {
  if (args.length > 0) return args.map((file) => path.resolve(file));
  const found = [path.join(root, 'README.md')];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.md')) found.push(file);
    }
  };
  walk(path.join(root, 'docs'));
  return found;
}

/** The fenced TypeScript blocks of a Markdown document, with the line each starts on. */
function snippets(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const found = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]+)?\s*(.*)$/.exec(lines[index]);
    if (!open) continue;
    const [, indent, fence, language = '', info] = open;
    const start = index;
    const body = [];
    // (`fence` is the opening run of backticks or tildes; the block ends at a run at least as long.)
    for (index++; index < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[index]); index++) {
      body.push(lines[index].startsWith(indent) ? lines[index].slice(indent.length) : lines[index]);
    }
    if (!LANGUAGES.has(language.toLowerCase())) continue;
    found.push({ line: start + 2, code: elide(body.join('\n')), fragment: /(^|\s)fragment(\s|$)/.test(info) });
  }
  return found;
}

/** `...` that stands for elided code (not a spread: nothing to spread follows it) becomes a comment. */
function elide(code) {
  return code.replace(/\.\.\.(?![\w$[({'"`])/g, '/* ... */');
}

/** Top-level names a snippet declares (and which of them it exports itself), and those it imports. */
function topLevelNames(code) {
  const source = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const declared = new Set();
  const exported = new Set();
  const imported = new Set();
  const isExported = (statement) => ts.getModifiers?.(statement)?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
  const bindings = (name, statement) => {
    if (ts.isIdentifier(name)) {
      declared.add(name.text);
      if (isExported(statement)) exported.add(name.text);
    } else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindings(element.name, statement);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) imported.add(clause.name.text);
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) imported.add(named.name.text);
      if (named && ts.isNamedImports(named)) for (const element of named.elements) imported.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bindings(declaration.name, statement);
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
      bindings(statement.name, statement);
    }
  }
  return { declared, exported, imported };
}

/** Every name a context module exports. */
function contextExports(baseProgram, file) {
  const program = ts.createProgram([file], baseProgram.getCompilerOptions(), undefined, baseProgram);
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file));
  return symbol ? checker.getExportsOfModule(symbol).map((exported) => exported.name) : [];
}

/** Every name lib/index.ts exports, values and types. */
function libraryExports(program) {
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(path.join(root, 'lib', 'index.ts'));
  return checker.getExportsOfModule(checker.getSymbolAtLocation(entry)).map((symbol) => symbol.name);
}

function compilerOptions() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  return {
    ...config.options,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    isolatedModules: false,
    // A snippet shows a piece of an application: a parameter it does not use is not a mistake.
    noUnusedLocals: false,
    noUnusedParameters: false,
    types: ['node', 'jest'],
  };
}

function main() {
  const options = compilerOptions();
  const baseProgram = ts.createProgram([path.join(root, 'lib', 'index.ts')], options);
  const library = libraryExports(baseProgram);

  const files = new Map(); // virtual file -> { text, document, line, offset }
  let total = 0;
  let skipped = 0;
  for (const document of documents(process.argv.slice(2))) {
    const relative = path.relative(root, document);
    const scope = new Map(); // name -> module of the latest snippet that declared it (or the context)
    const context = path.join(CONTEXTS, relative.replace(/\.md$/, '.ts'));
    if (fs.existsSync(context)) {
      const specifier = path.relative(VIRTUAL, context).replace(/\\/g, '/').replace(/\.ts$/, '');
      for (const name of contextExports(baseProgram, context)) scope.set(name, specifier);
    }
    snippets(document).forEach((snippet, index) => {
      if (snippet.fragment) {
        skipped++;
        return;
      }
      total++;
      const { declared, exported: selfExported, imported } = topLevelNames(snippet.code);
      const local = new Set([...declared, ...imported]);
      const prelude = [];
      const fromEarlier = new Map();
      for (const [name, module] of scope) if (!local.has(name)) fromEarlier.set(module, [...(fromEarlier.get(module) ?? []), name]);
      for (const [module, names] of fromEarlier) prelude.push(`import { ${names.join(', ')} } from '${module.startsWith('.') ? module : `./${module}`}';`);
      const inScope = new Set([...local, ...[...fromEarlier.values()].flat()]);
      const fromLibrary = library.filter((name) => !inScope.has(name));
      if (fromLibrary.length > 0) prelude.push(`import { ${fromLibrary.join(', ')} } from 'nestjs-activerecord';`);
      for (const [module, names] of Object.entries(NEST_NAMES)) {
        const wanted = names.filter((name) => !inScope.has(name) && !fromLibrary.includes(name));
        if (wanted.length > 0) prelude.push(`import { ${wanted.map((name) => (TYPE_ONLY.has(name) ? `type ${name}` : name)).join(', ')} } from '${module}';`);
      }
      const module = `${relative.replace(/[^A-Za-z0-9]/g, '_')}_${index + 1}`;
      const exported = [...declared].filter((name) => !selfExported.has(name));
      const text = `${prelude.join(' ')}\n${snippet.code}\n${exported.length ? `export { ${exported.join(', ')} };` : 'export {};'}\n`;
      files.set(path.join(VIRTUAL, `${module}.ts`), { text, document: relative, line: snippet.line, offset: 1 });
      for (const name of declared) scope.set(name, module);
    });
  }

  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => files.get(path.resolve(file))?.text ?? readFile(file);
  host.fileExists = (file) => files.has(path.resolve(file)) || fileExists(file);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (dir) => path.resolve(dir) === VIRTUAL || (directoryExists ? directoryExists(dir) : true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, onError) => {
    const virtual = files.get(path.resolve(file));
    return virtual ? ts.createSourceFile(file, virtual.text, languageVersion, true) : getSourceFile(file, languageVersion, onError);
  };
  const program = ts.createProgram([...files.keys()], options, host, baseProgram);
  const problems = [];
  for (const file of files.keys()) {
    const source = program.getSourceFile(file);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const snippet = files.get(file);
      const { line } = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : { line: 0 };
      const where = line < snippet.offset ? `${snippet.document}:${snippet.line} (implicit imports)` : `${snippet.document}:${snippet.line + line - snippet.offset}`;
      problems.push(`${where}: TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')}`);
    }
  }
  if (problems.length > 0) {
    console.error(`Documentation snippets that do not compile (${problems.length} problem(s)):\n${problems.join('\n')}\n`);
    console.error("Fix the snippet, or mark a deliberate excerpt with ```ts fragment (see docs/ARCHITECTURE.md, Documentation snippets).");
    process.exitCode = 1;
    return;
  }
  console.log(`Documentation snippets: ${total} compiled, ${skipped} marked as fragments.`);
}

main();
