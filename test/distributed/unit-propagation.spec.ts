import {
  ActiveRecord,
  Column,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  Transactional,
  TransactionError,
  transactional,
  type Propagation,
} from 'nestjs-activerecord';
import { mariadb, postgres, quietLogger, releaseMariadb, releasePostgres, serversAvailable, sqliteFile } from './support';

/**
 * Propagation for units over several connections, every cell of the matrix in
 * docs/transactions.md, with the outer transaction on SQLite, PostgreSQL and MariaDB in turn.
 * (Issue #10: a unit used to ignore propagation, and a SQLite unit inside a SQLite
 * transaction waited for itself forever.)
 */
@Model({ table: 'unit_notes', connection: 'lite' })
class LiteNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) label!: string;
}

@Model({ table: 'unit_notes', connection: 'pg' })
class PgNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) label!: string;
}

@Model({ table: 'unit_notes', connection: 'my' })
class MyNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) label!: string;
}

type Name = 'lite' | 'pg' | 'my';
const NOTES = { lite: LiteNote, pg: PgNote, my: MyNote } as const;
const note = (connection: Name, label: string) => NOTES[connection].create({ label });
const labels = async (connection: Name) => (await NOTES[connection].pluck('label')).sort();

const servers = serversAvailable();
const describeIf = servers.ok ? describe : describe.skip;

/** Fails a test that would otherwise hang (a wait that never ends is the bug under test). */
function settles<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

describeIf('propagation of cross-database units (SQLite, PostgreSQL, MariaDB)', () => {
  let registry: ConnectionRegistry;

  beforeAll(async () => {
    registry = await ConnectionRegistry.open({
      connections: {
        lite: { ...sqliteFile('unit_lite'), synchronize: true },
        pg: { ...(await postgres('unit_pg')), synchronize: true },
        my: { ...(await mariadb('unit_my')), synchronize: true },
      },
      models: [LiteNote, PgNote, MyNote],
      coordinator: { log: { connection: 'pg' }, nodeId: `crash-${process.pid}` },
      logger: quietLogger,
    });
  });
  afterAll(async () => {
    await registry?.close();
    await releasePostgres('unit_pg');
    await releaseMariadb('unit_my');
  });
  beforeEach(async () => {
    for (const model of Object.values(NOTES)) await model.deleteAll();
  });

  const unit = <T>(connections: Name[], work: () => Promise<T>, propagation?: Propagation) => transactional({ connections, propagation }, work);
  const local = <T>(connection: Name, work: () => Promise<T>, propagation?: Propagation) => transactional({ connection, propagation }, work);
  const fails = () => {
    throw new Error('business rule failed');
  };

  // Each row: the outer transaction's connection, the unit's other connection.
  describe.each([
    ['lite', 'pg'],
    ['pg', 'my'],
    ['my', 'pg'],
  ] as const)('outer transaction on %s, unit over [%s, %s]', (outer, other) => {
    const both: Name[] = [outer, other];
    const canWiden = outer !== 'my'; // a MariaDB local transaction cannot become an XA branch
    const singleSession = outer === 'lite';

    it('REQUIRED without an open transaction begins the unit: all or nothing', async () => {
      await unit(both, async () => {
        await note(outer, 'u1');
        await note(other, 'u2');
      });
      await expect(unit(both, async () => {
        await note(outer, 'lost');
        await note(other, 'lost');
        fails();
      })).rejects.toThrow('business rule failed');
      expect([await labels(outer), await labels(other)]).toEqual([['u1'], ['u2']]);
    });

    it(`REQUIRED inside an open transaction on ${outer} ${canWiden ? 'joins it: one outcome for both' : 'is refused before any write'}`, async () => {
      if (!canWiden) {
        const error = await local(outer, async () => {
          await note(outer, 'outer');
          const refused = await unit(both, async () => note(other, 'never')).catch((e: unknown) => e);
          await note(outer, 'outer goes on');
          return refused;
        });
        expect(error).toBeInstanceOf(TransactionError);
        expect((error as Error).message).toMatch(/cannot turn a local transaction into a two-phase branch.*Nothing was written by the unit/);
        expect([await labels(outer), await labels(other)]).toEqual([['outer', 'outer goes on'], []]);
        return;
      }
      await expect(settles(local(outer, async () => {
        await note(outer, 'outer');
        await unit(both, async () => {
          await note(outer, 'unit');
          await note(other, 'unit');
        });
        fails();
      }))).rejects.toThrow('business rule failed');
      expect([await labels(outer), await labels(other)]).toEqual([[], []]);
      await settles(local(outer, async () => {
        await note(outer, 'outer');
        await unit(both, () => note(other, 'unit'));
        await note(other, 'after the unit, still inside it');
      }));
      expect([await labels(outer), await labels(other)]).toEqual([['outer'], ['after the unit, still inside it', 'unit']]);
    });

    it('REQUIRED inside an open unit joins it', async () => {
      await expect(unit(both, async () => {
        await note(outer, 'outer');
        await unit([other, outer], () => note(other, 'inner'));
        fails();
      })).rejects.toThrow();
      expect([await labels(outer), await labels(other)]).toEqual([[], []]);
    });

    it(`REQUIRES_NEW inside an open transaction on ${outer} ${singleSession ? 'fails at once (one session, held by the caller)' : 'commits on its own'}`, async () => {
      if (singleSession) {
        const error = await settles(local(outer, () => unit(both, async () => note(other, 'never'), 'REQUIRES_NEW')).catch((e: unknown) => e));
        expect(error).toBeInstanceOf(TransactionError);
        expect((error as Error).message).toMatch(/REQUIRES_NEW .* needs another session of connection 'lite'.*wait for itself forever/);
        expect(await labels(other)).toEqual([]);
        return;
      }
      await expect(local(outer, async () => {
        await note(outer, 'outer');
        await unit(both, async () => {
          expect(await labels(outer)).toEqual([]); // the outer is suspended, not joined
          await note(outer, 'independent');
          await note(other, 'independent');
        }, 'REQUIRES_NEW');
        fails();
      })).rejects.toThrow();
      expect([await labels(outer), await labels(other)]).toEqual([['independent'], ['independent']]);
    });

    it('NESTED inside an open unit undoes only its own writes, on every branch', async () => {
      await unit(both, async () => {
        await note(outer, 'kept');
        await unit(both, async () => {
          await note(outer, 'undone');
          await note(other, 'undone');
          fails();
        }, 'NESTED').catch(() => undefined);
        await note(other, 'kept');
      });
      expect([await labels(outer), await labels(other)]).toEqual([['kept'], ['kept']]);
    });

    it(`NESTED inside an open transaction on ${outer} ${canWiden ? 'widens it and undoes its writes on both' : 'is refused before any write'}`, async () => {
      const result = await local(outer, async () => {
        await note(outer, 'kept');
        const nested = await unit(both, async () => {
          await note(outer, 'undone');
          await note(other, 'undone');
          fails();
        }, 'NESTED').catch((e: unknown) => e);
        await note(outer, 'kept too');
        return nested;
      });
      if (canWiden) expect((result as Error).message).toBe('business rule failed');
      else expect(result).toBeInstanceOf(TransactionError);
      expect([await labels(outer), await labels(other)]).toEqual([['kept', 'kept too'], []]);
    });

    it('SUPPORTS joins what is open and runs the rest without a transaction', async () => {
      await expect(unit(both, async () => {
        await note(outer, 'autocommitted');
        fails();
      }, 'SUPPORTS')).rejects.toThrow();
      expect(await labels(outer)).toEqual(['autocommitted']);
      await expect(local(outer, async () => {
        await unit(both, async () => {
          await note(outer, 'joined');
          await note(other, 'no transaction here');
        }, 'SUPPORTS');
        fails();
      })).rejects.toThrow();
      expect([await labels(outer), await labels(other)]).toEqual([['autocommitted'], ['no transaction here']]);
    });

    it('MANDATORY needs an open transaction; inside one it behaves as REQUIRED', async () => {
      await expect(unit(both, async () => 1, 'MANDATORY')).rejects.toThrow(/MANDATORY propagation needs an open transaction/);
      await expect(unit(both, async () => {
        await unit(both, () => note(other, 'joined'), 'MANDATORY');
        fails();
      })).rejects.toThrow('business rule failed');
      expect(await labels(other)).toEqual([]);
    });

    it('NEVER refuses to run inside an open transaction on any of its connections', async () => {
      await expect(local(outer, () => unit(both, async () => 1, 'NEVER'))).rejects.toThrow(/NEVER propagation refuses/);
      await unit(both, () => note(other, 'never mind'), 'NEVER');
      expect(await labels(other)).toEqual(['never mind']);
    });

    it(`NOT_SUPPORTED inside an open transaction on ${outer} ${singleSession ? 'fails at once' : 'suspends it'}`, async () => {
      if (singleSession) {
        const error = await settles(local(outer, () => unit(both, async () => note(outer, 'x'), 'NOT_SUPPORTED')).catch((e: unknown) => e));
        expect((error as Error).message).toMatch(/NOT_SUPPORTED needs another session of connection 'lite'/);
        return;
      }
      await expect(local(outer, async () => {
        await note(outer, 'rolled back');
        await unit(both, () => note(outer, 'outside'), 'NOT_SUPPORTED');
        fails();
      })).rejects.toThrow();
      expect(await labels(outer)).toEqual(['outside']);
    });
  });

  it('a @Transactional unit method called from a @Transactional method on one of its connections joins it (issue #10, reproduction 2)', async () => {
    class Transfers {
      @Transactional({ connections: ['pg', 'my'] })
      async move(): Promise<void> {
        await note('pg', 'unit');
        await note('my', 'unit');
      }
    }
    class Orders {
      constructor(private readonly transfers: Transfers) {}

      @Transactional({ connection: 'pg' })
      async place(): Promise<void> {
        await note('pg', 'order');
        await this.transfers.move();
        throw new Error('the order fails after the transfer');
      }
    }
    await expect(new Orders(new Transfers()).place()).rejects.toThrow('the order fails after the transfer');
    expect([await labels('pg'), await labels('my')]).toEqual([[], []]);
  });

  it('a unit naming a SQLite connection inside an open transaction on it never hangs (issue #10, reproduction 3)', async () => {
    await settles(local('lite', async () => {
      await note('lite', 'outer');
      await unit(['lite', 'pg'], () => note('pg', 'joined'));
    }));
    expect([await labels('lite'), await labels('pg')]).toEqual([['outer'], ['joined']]);
  });

  it('two units each joining half of a unit are refused rather than merged', async () => {
    const error = await local('pg', () => local('my', () => unit(['pg', 'my'], async () => 1))).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/are in two separate open transactions/);
  });
});
