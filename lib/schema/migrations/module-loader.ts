import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConfigurationError } from '../../errors';

interface CompilableModule {
  _compile(code: string, filename: string): void;
}

interface TypeScriptApi {
  transpileModule(source: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number };
}

/**
 * Load a migration, a config file or an app module: `.js`/`.cjs` as they are, `.ts` through
 * whatever already compiles TypeScript in this process (ts-node, tsx, jest), or else through the
 * project's own `typescript` package, transpile-only (types are not checked here; the build does
 * that). Decorator metadata is emitted, so a config file may import models.
 */
export function loadModule(file: string): Record<string, unknown> {
  if (/\.[cm]?ts$/.test(file) && !file.endsWith('.d.ts')) registerTypeScript(file);
  return require(file) as Record<string, unknown>;
}

function registerTypeScript(file: string): void {
  const extensions = (require as NodeJS.Require).extensions as Record<string, unknown> | undefined;
  if (!extensions || extensions['.ts']) return;
  let ts: TypeScriptApi;
  try {
    ts = createRequire(join(process.cwd(), 'package.json'))('typescript') as TypeScriptApi;
  } catch {
    throw new ConfigurationError(
      `${file} is TypeScript, and no TypeScript compiler is available: install typescript in the project ` +
        `(npm install --save-dev typescript), run under ts-node, or compile the migrations to .js`,
      { field: file },
    );
  }
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    inlineSourceMap: true,
  };
  extensions['.ts'] = (module: CompilableModule, filename: string) => {
    const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
    module._compile(outputText, filename);
  };
}
