import { createInterface } from 'node:readline';
import type { MigrationEvent } from '../schema/migrations/migration-report';

/** Where the CLI writes, and whom it asks; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Ask the person at the terminal; undefined when no one can answer (not a terminal). */
  ask?(question: string): Promise<string | undefined>;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ask: (question) => {
    if (!process.stdin.isTTY) return Promise.resolve(undefined);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    return new Promise((resolve) =>
      prompt.question(question, (answer) => {
        prompt.close();
        resolve(answer.trim());
      }),
    );
  },
};

/** A migration run's progress, one line per migration, with timings. */
export function printMigrationEvent(output: Output, event: MigrationEvent, width: number): void {
  const connection = 'connection' in event ? event.connection.padEnd(width) : '';
  switch (event.kind) {
    case 'lock-wait':
      output.out(`  ${connection}  waiting for the migration lock${event.holder ? ` (held by ${event.holder})` : ''}: another instance is migrating`);
      break;
    case 'lock-taken-over':
      output.out(`  ${connection}  took over the migration lock of ${event.previousHolder} (its lease had expired)`);
      break;
    case 'start':
      break;
    case 'done':
      output.out(`  ${connection}  ${event.direction === 'up' ? 'applied ' : 'reverted'}  ${event.migration}  (${event.ms} ms, ${event.statements} statement${event.statements === 1 ? '' : 's'})`);
      break;
    case 'skipped':
      output.out(`  ${connection}  skipped   ${event.migration}  (${event.reason})`);
      break;
    case 'failed':
      output.out(`  ${connection}  FAILED    ${event.migration}  (after ${event.ms} ms)`);
      break;
    case 'warning':
      output.err(`  ${connection}  warning: ${event.message}`);
      break;
  }
}
