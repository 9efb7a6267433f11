'use strict';
/**
 * (b) Two-phase commit with the raw drivers, as a careful engineer writes it by hand, with the
 * same durability as the coordinator's decision-log path (presumed abort, one decision record):
 *
 *   PostgreSQL: BEGIN; UPDATE
 *   MariaDB:    XA START; UPDATE; (XA END and XA PREPARE below)
 *   phase 1:    PREPARE TRANSACTION '<gtrid>:1';  XA END; XA PREPARE
 *   decision:   INSERT INTO xfer_decisions (gid, node, 'committing', participants, ...)   autocommit, on PostgreSQL
 *   phase 2:    COMMIT PREPARED '<gtrid>:1';  XA COMMIT (on the connection that prepared it)
 *   retire:     UPDATE xfer_decisions SET state = 'committed' ... , off the caller's path
 *
 * That is what the coordinator writes and where, for a PostgreSQL + MariaDB pair configured with
 * `coordinator: { log: { connection: 'pg' } }` (lib/distributed/two-phase-commit.ts: no log write
 * before prepare; `decideByLog` inserts one `committing` record on the log connection;
 * `markCommitted` flips it to `committed` without being awaited). The record has the same
 * columns and types as ar_tx_decisions. What this variant leaves out is the coordinator's
 * *evidence* of each branch's outcome (PostgreSQL's transaction id, an XA marker row), which is
 * for heuristic-outcome detection, not for the decision's durability: raw-2pc-evidence.js adds it.
 */
const { randomBytes } = require('node:crypto');
const { openRawPools } = require('./common');

function makeRawTwoPhase({ evidence }) {
  return {
    key: evidence ? 'raw-2pc-evidence' : 'raw-2pc',
    letter: evidence ? 'b+' : 'b',
    title: evidence ? 'raw 2PC + outcome evidence' : 'raw 2PC + decision record',
    databases: { decisionLog: true, markers: evidence },

    async open(ctx, settings) {
      const { pgPool, mariaPool, label } = openRawPools(ctx, settings);
      const node = `${ctx.tag}-${evidence ? 'e' : 'b'}`;
      const retiring = new Set();
      let retireFailure;

      async function transfer(from, to, amount) {
        // Same shape as the coordinator's ids: recognisable prefix, node, start time, random.
        const gtrid = `${node}.${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
        const pgGid = `${gtrid}:1`;
        const client = await pgPool.connect();
        let maria;
        let pgState = 'none';
        let mariaState = 'none';
        let pgEvidence;
        try {
          maria = await mariaPool.getConnection();
          await client.query('BEGIN');
          pgState = 'active';
          if (evidence) pgEvidence = (await client.query({ name: 'xfer_txid', text: 'SELECT txid_current()::text AS xid' })).rows[0].xid;
          const debit = await client.query({ name: 'xfer_debit', text: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', values: [amount, from] });
          if (debit.rowCount !== 1) throw new Error(`no PostgreSQL account ${from}`);

          await maria.query('XA START ?, ?', [gtrid, '2']);
          mariaState = 'active';
          if (evidence) await maria.execute('INSERT INTO xfer_markers (gid, created_at) VALUES (?, ?)', [`${gtrid}:2`, new Date()]);
          const [credit] = await maria.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
          if (credit.affectedRows !== 1) throw new Error(`no MariaDB account ${to}`);

          // Phase 1.
          await client.query(`PREPARE TRANSACTION ${client.escapeLiteral(pgGid)}`);
          pgState = 'prepared';
          await maria.query('XA END ?, ?', [gtrid, '2']);
          mariaState = 'ended';
          await maria.query('XA PREPARE ?, ?', [gtrid, '2']);
          mariaState = 'prepared';

          // The decision: one durable record (autocommit). The PostgreSQL client is free again
          // after PREPARE TRANSACTION, so it writes the record.
          const participants = [
            { connection: 'pg', gtrid, bqual: '1', kind: 'prepared', ...(evidence ? { evidence: pgEvidence } : {}) },
            { connection: 'maria', gtrid, bqual: '2', kind: 'prepared', ...(evidence ? { evidence: 'marker' } : {}) },
          ];
          const now = new Date();
          await client.query({
            name: 'xfer_decide',
            text: 'INSERT INTO xfer_decisions (gid, node, state, participants, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)',
            values: [gtrid, node, 'committing', JSON.stringify(participants), now],
          });
        } catch (error) {
          // No decision record: roll everything back (presumed abort).
          if (pgState === 'active') await client.query('ROLLBACK').catch(() => undefined);
          if (pgState === 'prepared') await client.query(`ROLLBACK PREPARED ${client.escapeLiteral(pgGid)}`).catch(() => undefined);
          if (mariaState === 'active') await maria.query('XA END ?, ?', [gtrid, '2']).catch(() => undefined);
          if (mariaState !== 'none') await maria.query('XA ROLLBACK ?, ?', [gtrid, '2']).catch(() => undefined);
          client.release();
          maria?.release();
          throw error;
        }

        // Phase 2. Decided: a failure here is left to recovery (the record says commit).
        try {
          await client.query(`COMMIT PREPARED ${client.escapeLiteral(pgGid)}`);
          await maria.query('XA COMMIT ?, ?', [gtrid, '2']);
        } finally {
          client.release();
          maria.release();
        }

        // Retire the record the way the coordinator does: committing -> committed, not awaited.
        const retire = pgPool
          .query({
            name: 'xfer_retire',
            text: "UPDATE xfer_decisions SET state = 'committed', updated_at = $2 WHERE gid = $1 AND state = 'committing'",
            values: [gtrid, new Date()],
          })
          .catch((error) => (retireFailure ??= error))
          .finally(() => retiring.delete(retire));
        retiring.add(retire);
      }

      return {
        transfer,
        label,
        async settle() {
          await Promise.allSettled([...retiring]);
          if (retireFailure) throw retireFailure;
        },
        async close() {
          await Promise.allSettled([...retiring]);
          await Promise.allSettled([pgPool.end(), mariaPool.end()]);
        },
      };
    },
  };
}

module.exports = makeRawTwoPhase({ evidence: false });
module.exports.makeRawTwoPhase = makeRawTwoPhase;
