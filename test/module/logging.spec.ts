import { Injectable, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { channel } from 'node:diagnostics_channel';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  COORDINATOR_CHANNEL,
  Model,
  PrimaryKey,
  TransactionCoordinator,
  Transactional,
  type ActiveRecordModuleOptions,
  type CoordinatorEvent,
} from 'nestjs-activerecord';
import { sqliteFile } from '../distributed/support';

@Model({ table: 'ln_entries', connection: 'main' })
class Entry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() text!: string;
}

@Model({ table: 'ln_copies', connection: 'copy' })
class Copy extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() text!: string;
}

@Injectable()
class EntryService {
  @Transactional({ connection: 'main', name: 'EntryService.write' })
  async write(text: string): Promise<void> {
    await Entry.create({ text });
  }
}

interface Logged {
  level: string;
  message: string;
  context: unknown;
}

/** A Nest logger that keeps every line (what `app.useLogger()` users plug in). */
function recordingLogger(): { logger: LoggerService; lines: Logged[] } {
  const lines: Logged[] = [];
  const keep = (level: string) => (message: unknown, context?: unknown) => void lines.push({ level, message: String(message), context });
  return { lines, logger: { log: keep('log'), error: keep('error'), warn: keep('warn'), debug: keep('debug'), verbose: keep('verbose') } };
}

async function boot(options: Partial<ActiveRecordModuleOptions>) {
  const { logger, lines } = recordingLogger();
  const ref = await Test.createTestingModule({
    imports: [
      ActiveRecordModule.forRoot({
        connections: { main: { ...sqliteFile('ln-main'), synchronize: true }, copy: { ...sqliteFile('ln-copy'), synchronize: true } },
        models: [Entry, Copy],
        ...options,
      }),
    ],
    providers: [EntryService],
  })
    .setLogger(logger)
    .compile();
  await ref.init();
  lines.length = 0;
  return { ref, lines };
}

describe("logging through Nest's Logger", () => {
  it('logs statements and transactions through the application logger, in the ActiveRecord context, with no logger option', async () => {
    const { ref, lines } = await boot({ logging: { queries: 'debug', transactions: 'log' } });
    try {
      await ref.get(EntryService).write('hello');
      expect(lines).toEqual([
        { level: 'debug', message: expect.stringMatching(/^\[main\] INSERT INTO "ln_entries" .* -- \d+\.\d+ ms, 1 row, 1 value redacted$/), context: 'ActiveRecord' },
        { level: 'log', message: expect.stringMatching(/^\[main\] transaction 'EntryService\.write' committed after \d+\.\d+ ms$/), context: 'ActiveRecord' },
      ]);
    } finally {
      await ref.close();
    }
  });

  it("logs the coordinator's steps at logging.coordinator's level, publishes them on the coordinator channel, and silences them with false", async () => {
    const events: CoordinatorEvent[] = [];
    const listener = (event: unknown) => void events.push(event as CoordinatorEvent);
    channel(COORDINATOR_CHANNEL).subscribe(listener);
    try {
      const runSaga = async (options: Partial<ActiveRecordModuleOptions>) => {
        const { ref, lines } = await boot(options);
        try {
          await ref
            .get(TransactionCoordinator)
            .saga('copy-entry')
            .step({ name: 'entry', connection: 'main', run: () => Entry.create({ text: 'a' }).then(() => undefined) })
            .step({ name: 'copy', connection: 'copy', run: () => Copy.create({ text: 'a' }).then(() => undefined) })
            .execute();
          return lines;
        } finally {
          await ref.close();
        }
      };
      const verbose = await runSaga({ logging: { coordinator: 'verbose' } });
      expect(verbose.filter((line) => line.level === 'verbose').map((line) => line.message)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^\[coordinator\] saga-step-done sagaId=\S+ step=copy-entry\/entry$/), expect.stringMatching(/^\[coordinator\] saga-done sagaId=\S+ outcome=completed$/)]),
      );
      expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['saga-step-started', 'saga-step-done', 'saga-done']));
      const silent = await runSaga({ logging: { coordinator: false } });
      expect(silent.filter((line) => line.message.startsWith('[coordinator]'))).toEqual([]);
    } finally {
      channel(COORDINATOR_CHANNEL).unsubscribe(listener);
    }
  });
});
