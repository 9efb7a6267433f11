#!/usr/bin/env node
// `npx nestjs-activerecord <command>`: see cli.ts. Decorator metadata must be readable before
// the application's modules load (the app brings reflect-metadata; a config file may not).
try {
  require('reflect-metadata');
} catch {
  // the application loads it itself, or does not use decorators
}
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
