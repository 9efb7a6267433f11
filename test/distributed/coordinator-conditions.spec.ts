import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  ActiveRecord,
  ConfigurationError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  TransactionError,
  transactional,
} from 'nestjs-activerecord';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/**
 * The coordinator in the conditions of a production deployment (issue #11, items 2 to 5): a
 * recovery process racing live units, small pools, a decision table dropped under a running
 * application, and two applications defining sagas in one process.
 */
jest.setTimeout(120_000);

@Model({ table: 'cc_rows', connection: 'pg' })
class PgRow extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
}

@Model({ table: 'cc_rows', connection: 'my' })
class MyRow extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
}

@Model({ table: 'cc_rows', connection: 'lite' })
class LiteRow extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
}

const MODELS = [PgRow, MyRow, LiteRow];
/** A crash-test node id (`crash-<pid>`): what a failed run leaves prepared is rolled back by the next run's setup. */
const NODE_ID = `crash-${process.pid}`;
const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

/** Which of the three databases hold the row `id`. */
async function holders(id: string): Promise<string[]> {
  const found: string[] = [];
  if (await PgRow.where({ id }).exists()) found.push('pg');
  if (await MyRow.where({ id }).exists()) found.push('my');
  if (await LiteRow.where({ id }).exists()) found.push('lite');
  return found;
}

describeIf('the coordinator under production conditions', () => {
  let connections: Record<string, object>;
  beforeAll(async () => {
    connections = {
      pg: { ...(await postgres('cc_pg')), synchronize: true },
      my: { ...(await mariadb('cc_my')), synchronize: true },
      lite: { ...sqliteFile('cc_lite'), synchronize: true },
    };
  });
  afterAll(async () => {
    await releasePostgres('cc_pg');
    await releaseMariadb('cc_my');
  });

  const open = (extra: { coordinator?: object; pool?: object } = {}) =>
    ConnectionRegistry.open({
      connections: Object.fromEntries(Object.entries(connections).map(([name, options]) => [name, name === 'lite' ? options : { ...options, pool: extra.pool }])) as never,
      models: MODELS,
      coordinator: { log: { connection: 'pg' }, nodeId: NODE_ID, ...extra.coordinator },
      logger: quietLogger,
    });

  it('a unit with a last resource racing recovery in another process never reports success with a database rolled back (item 2)', async () => {
    const registry = await open({ coordinator: { orphanTimeoutMs: 100, recoverOnStartup: false } });
    const child = spawn(process.execPath, ['-r', join(__dirname, '..', 'support', 'register-ts.js'), join(__dirname, 'scripts', 'recovery-loop.ts')], {
      env: { ...process.env, CONNECTIONS: JSON.stringify(connections), NODE_ID, ORPHAN_MS: '100' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      // Widen the race: the units wait between their last prepare and the last resource's commit
      // (the decision) for longer than the orphan timeout, so recovery sees old undecided branches.
      let prepared = 0;
      registry.coordinator.onEvent(async (event) => {
        if (event.type === 'prepared' && ++prepared % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 100));
      });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          registry
            .run(() =>
              transactional({ connections: ['pg', 'my', 'lite'] }, async () => {
                await PgRow.create({ id: `race-${i}` });
                await MyRow.create({ id: `race-${i}` });
                await LiteRow.create({ id: `race-${i}` });
              }),
            )
            .then(() => 'committed' as const, (error: unknown) => (error instanceof TransactionError ? 'rolled back' : error)),
        ),
      );
      child.stdin!.end();
      await once(child, 'exit');
      // Every database agrees with what the caller was told.
      for (const [i, outcome] of outcomes.entries()) {
        const expected = outcome === 'committed' ? ['pg', 'my', 'lite'] : [];
        expect({ unit: i, outcome, on: await registry.run(() => holders(`race-${i}`)) }).toEqual({ unit: i, outcome, on: expected });
      }
    } finally {
      child.kill();
      await registry.close();
    }
  });

  it.each([
    [2, 2],
    [2, 20],
    [10, 20],
  ])('with the decision log on a participant and pool.max %i, %i concurrent units all finish (item 3)', async (max, units) => {
    const registry = await open({ pool: { max, acquireTimeoutMs: 20_000 } });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: units }, (_, i) =>
          registry.run(() =>
            transactional({ connections: ['pg', 'my'] }, async () => {
              await PgRow.create({ id: `pool-${max}-${units}-${i}` });
              await MyRow.create({ id: `pool-${max}-${units}-${i}` });
            }),
          ),
        ),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(await registry.run(() => PgRow.where({ id: { like: `pool-${max}-${units}-%` } }).count())).toBe(units);
      const prepared = await registry.get('pg').query('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [`ar.${NODE_ID}.%`]);
      expect(prepared).toEqual([]);
    } finally {
      await registry.close();
    }
  });

  it('a decision table dropped on the last resource while the application runs is made again by the next unit (item 4)', async () => {
    const registry = await open();
    try {
      const unit = (id: string) =>
        registry.run(() =>
          transactional({ connections: ['pg', 'lite'] }, async () => {
            await PgRow.create({ id });
            await LiteRow.create({ id });
          }),
        );
      await unit('before-drop');
      await registry.get('lite').execute('DROP TABLE ar_tx_decisions');
      await unit('after-drop');
      await unit('after-drop-2');
      expect(await registry.run(() => holders('after-drop-2'))).toEqual(['pg', 'lite']);
    } finally {
      await registry.close();
    }
  });

  it('keeps each application\'s saga steps apart and refuses a step name defined twice with different code (item 5)', async () => {
    const first = await open();
    const second = await open();
    try {
      const undone: string[] = [];
      const saga = (registry: ConnectionRegistry, label: string) =>
        registry.coordinator
          .saga('place-order')
          .step({ name: 'reserve', run: async () => label, compensate: async (result) => void undone.push(`${label}:${String(result)}`) })
          .step({ name: 'charge', run: async () => Promise.reject(new Error('declined')) });
      await expect(first.run(() => saga(first, 'first').execute())).rejects.toThrow('declined');
      await expect(second.run(() => saga(second, 'second').execute())).rejects.toThrow('declined');
      expect(undone).toEqual(['first:first', 'second:second']);

      const other = first.coordinator.saga('place-order').step({ name: 'reserve', run: async () => 'something else entirely' });
      const error = await first.run(() => other.execute()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/Saga step 'place-order\/reserve' is defined twice with different code/);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
