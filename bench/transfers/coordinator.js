'use strict';
/**
 * (c) nestjs-activerecord's TransactionCoordinator, from the built package (dist/), without Nest:
 * a ConnectionRegistry with a PostgreSQL and a MariaDB connection, configured as
 * docs/distributed-transactions.md describes for a pair of preparable databases: the decision
 * log on one of them (`coordinator: { log: { connection: 'pg' } }`), a `nodeId` of its own.
 * Each transfer is one unit of work:
 *
 *   coordinator.run({ connections: ['pg', 'maria'], mode: '2pc' }, async () => {
 *     await pg.execute('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [amount, from]);
 *     await maria.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
 *   });
 *
 * `connection.execute` rather than a model: the models have no `balance = balance - ?` update,
 * and a read-then-write would cost the library two statements where the raw variants send one.
 */
const { loadLibrary, version } = require('../adapters/common/ours');

const quietLogger = { log() {}, warn: (m) => console.warn(m), error: (m) => console.error(m), debug() {} };

module.exports = {
  key: 'coordinator',
  letter: 'c',
  title: 'nestjs-activerecord coordinator',
  databases: {},

  async open(ctx, settings) {
    const ar = loadLibrary();
    const registry = await ar.ConnectionRegistry.open({
      connections: {
        pg: { backend: 'postgres', url: ctx.pg.url, pool: { max: settings.poolMax } },
        maria: { backend: 'mariadb', url: ctx.maria.url, pool: { max: settings.poolMax } },
      },
      defaultConnection: 'pg',
      models: [],
      coordinator: { log: { connection: 'pg' }, nodeId: `${ctx.tag}-c` },
      logger: quietLogger,
    });
    const pg = registry.get('pg');
    const maria = registry.get('maria');
    const coordinator = registry.coordinator;
    const unit = { connections: ['pg', 'maria'], mode: '2pc' };

    async function transfer(from, to, amount) {
      await coordinator.run(unit, async () => {
        const debit = await pg.execute('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [amount, from]);
        if (debit.affectedRows !== 1) throw new Error(`no PostgreSQL account ${from}`);
        const credit = await maria.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
        if (credit.affectedRows !== 1) throw new Error(`no MariaDB account ${to}`);
      });
    }

    return {
      transfer,
      label: `nestjs-activerecord ${version()}`,
      // The coordinator marks decisions committed off the caller's path; give those a moment.
      settle: () => new Promise((resolve) => setTimeout(resolve, 200)),
      close: () => registry.close(),
    };
  },
};
