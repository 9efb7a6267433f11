'use strict';
/**
 * (a) Two independent commits, no atomicity: BEGIN; UPDATE; COMMIT on PostgreSQL, then the same
 * on MariaDB, with the raw drivers as the main bench's raw adapters use them (a pg Pool with a
 * named statement, a mysql2 pool with `execute`). A crash between the two commits loses money:
 * this is the floor that any atomic transfer pays for.
 */
const { openRawPools } = require('./common');

module.exports = {
  key: 'independent',
  letter: 'a',
  title: 'two independent commits',
  databases: {},

  async open(ctx, settings) {
    const { pgPool, mariaPool, label } = openRawPools(ctx, settings);

    async function transfer(from, to, amount) {
      const client = await pgPool.connect();
      try {
        await client.query('BEGIN');
        const debit = await client.query({ name: 'xfer_debit', text: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', values: [amount, from] });
        if (debit.rowCount !== 1) throw new Error(`no PostgreSQL account ${from}`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      const connection = await mariaPool.getConnection();
      try {
        await connection.beginTransaction();
        const [credit] = await connection.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
        if (credit.affectedRows !== 1) throw new Error(`no MariaDB account ${to}`);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    }

    return {
      transfer,
      label,
      async close() {
        await Promise.allSettled([pgPool.end(), mariaPool.end()]);
      },
    };
  },
};
