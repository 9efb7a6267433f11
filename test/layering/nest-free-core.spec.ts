import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The layering rule, checked by behaviour rather than by reading imports: the core runs in a
// process where @nestjs cannot be resolved at all.
const run = (entry: string) =>
  spawnSync(process.execPath, ['--require', join(__dirname, 'block-nest.js'), '--require', join(__dirname, '..', 'support', 'register-ts.js'), join(__dirname, 'nest-free-script.ts'), entry], {
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('nestjs-activerecord/core without Nest', () => {
  it('opens connections, runs transactions and a coordinated saga, and loads no @nestjs package', () => {
    const child = run('nestjs-activerecord/core');
    expect(child.stderr).toBe('');
    const line = child.stdout.split('\n').find((output) => output.startsWith('RESULT '));
    expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({ jobs: ['send-mail'], receipts: 1, inDoubt: 0, nest: [] });
    expect(child.status).toBe(0);
  });

  it('is what a Nest-free process must use: the root entry point needs Nest (the check above is real)', () => {
    const child = run('nestjs-activerecord');
    expect(child.status).toBe(1);
    expect(child.stderr).toMatch(/Cannot find module '@nestjs\/(common|core)'/);
  });
});
