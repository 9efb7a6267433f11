import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BACKEND_TARGETS } from './backend-targets';
import { EXTRA_TARGETS } from './replica-targets';
import { AVAILABILITY_FILE } from './availability';
import { rollBackStaleTestBranches } from './stale-branches';

/**
 * Probe every backend target once per run, so each test file can decide synchronously (as Jest
 * requires when it registers tests) whether to run, skip or fail a target's suite.
 */
export default async function globalSetup(): Promise<void> {
  await rollBackStaleTestBranches();
  const results: Record<string, string | null> = {};
  const targets = [...BACKEND_TARGETS, ...EXTRA_TARGETS];
  for (const target of targets) {
    try {
      results[target.name] = (await target.probe()) ?? null;
    } catch (error) {
      results[target.name] = error instanceof Error ? error.message : String(error);
    }
  }
  mkdirSync(dirname(AVAILABILITY_FILE), { recursive: true });
  writeFileSync(AVAILABILITY_FILE, JSON.stringify(results, null, 2));
  const lines = targets.map((target) => {
    const reason = results[target.name];
    if (!reason) return `  ran      ${target.name.padEnd(14)} ${target.describe}`;
    const fails = process.env.CI === 'true' && target.requiredInCI;
    return `  ${fails ? 'FAILING ' : 'SKIPPED '} ${target.name.padEnd(14)} ${target.describe}: ${reason}`;
  });
  process.stdout.write(`\nBackend suite targets:\n${lines.join('\n')}\n\n`);
}
