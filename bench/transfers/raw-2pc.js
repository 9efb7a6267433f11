'use strict';
/**
 * (b) Two-phase commit with the raw drivers, as a careful engineer writes it by hand, with the
 * same durability as the coordinator's decision-log path (presumed abort, one decision record):
 *
 *   branches:   PostgreSQL BEGIN  |  MariaDB XA START                        (side by side)
 *   the work:   PostgreSQL UPDATE, then MariaDB UPDATE                      (in the caller's order)
 *   phase 1:    PREPARE TRANSACTION '<gtrid>:1'  |  XA END; XA PREPARE            (side by side)
 *   decision:   INSERT INTO xfer_decisions (gid, node, 'committing', participants, ...)   autocommit, on PostgreSQL
 *   phase 2:    COMMIT PREPARED '<gtrid>:1'  |  XA COMMIT (on the connection that prepared it)   (side by side)
 *   retire:     UPDATE xfer_decisions SET state = 'committed' WHERE gid = ANY($1), batched, off the caller's path
 *
 * Opening the branches, the prepares and the commits run on both servers at once, as the
 * coordinator runs them: the fair baseline is the fastest hand-written code with the same
 * durability and the same unit of work (coordinator.js awaits the debit, then the credit), not
 * one that waits for each server in turn.
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
        const [client, maria] = await acquireBoth(pgPool, mariaPool);
        let pgState = 'none';
        let mariaState = 'none';
        let pgEvidence;
        try {
          // The two branches open side by side, each on its own server, as the coordinator opens
          // a unit's branches; then the transfer's statements run in the order the caller wrote
          // them (debit, then credit), as the coordinator bench's unit of work runs them.
          let marker;
          await settledBoth(
            (async () => {
              await client.query('BEGIN');
              pgState = 'active';
              if (evidence) pgEvidence = (await client.query({ name: 'xfer_txid', text: 'SELECT txid_current()::text AS xid' })).rows[0].xid;
            })(),
            (async () => {
              await maria.query('XA START ?, ?', [gtrid, '2']);
              mariaState = 'active';
              // mysql2 queues commands on a connection: the marker need not be awaited before the UPDATE.
              if (evidence) {
                marker = maria.execute('INSERT INTO xfer_markers (gid, created_at) VALUES (?, ?)', [`${gtrid}:2`, new Date()]);
                marker.catch(() => undefined);
              }
            })(),
          );
          const debit = await client.query({ name: 'xfer_debit', text: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', values: [amount, from] });
          if (debit.rowCount !== 1) throw new Error(`no PostgreSQL account ${from}`);
          const [credit] = await maria.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
          await marker;
          if (credit.affectedRows !== 1) throw new Error(`no MariaDB account ${to}`);

          // Phase 1, both servers at once.
          await settledBoth(
            client.query(`PREPARE TRANSACTION ${client.escapeLiteral(pgGid)}`).then(() => {
              pgState = 'prepared';
            }),
            (async () => {
              await maria.query('XA END ?, ?', [gtrid, '2']);
              mariaState = 'ended';
              await maria.query('XA PREPARE ?, ?', [gtrid, '2']);
              mariaState = 'prepared';
            })(),
          );

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
          maria.release();
          throw error;
        }

        // Phase 2, both at once. Decided: a failure here is left to recovery (the record says commit).
        try {
          await settledBoth(client.query(`COMMIT PREPARED ${client.escapeLiteral(pgGid)}`), maria.query('XA COMMIT ?, ?', [gtrid, '2']));
        } finally {
          client.release();
          maria.release();
        }

        // Retire the record the way the coordinator does: committing -> committed, batched, off the caller's path.
        retireLater(gtrid);
      }

      // One UPDATE per 20 ms or 200 decisions, as the coordinator's DecisionWriter batches them.
      const pending = [];
      let flushTimer;
      function retireLater(gtrid) {
        pending.push(gtrid);
        if (pending.length >= 200) flushRetired();
        else flushTimer ??= setTimeout(flushRetired, 20);
      }
      function flushRetired() {
        clearTimeout(flushTimer);
        flushTimer = undefined;
        if (pending.length === 0) return;
        const retire = pgPool
          .query({
            name: 'xfer_retire',
            text: "UPDATE xfer_decisions SET state = 'committed', updated_at = $2 WHERE gid = ANY($1) AND state = 'committing'",
            values: [pending.splice(0), new Date()],
          })
          .catch((error) => (retireFailure ??= error))
          .finally(() => retiring.delete(retire));
        retiring.add(retire);
      }

      return {
        transfer,
        label,
        async settle() {
          flushRetired();
          await Promise.allSettled([...retiring]);
          if (retireFailure) throw retireFailure;
        },
        async close() {
          flushRetired();
          await Promise.allSettled([...retiring]);
          await Promise.allSettled([pgPool.end(), mariaPool.end()]);
        },
      };
    },
  };
}

/**
 * Both promises settled (an absent one counts as done); the first failure, if any, is thrown only
 * then, so that the error path never rolls back a branch whose statement is still in flight.
 */
async function settledBoth(a, b) {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

/** A client of each pool, taken at once; if one cannot be had, the other goes back. */
async function acquireBoth(pgPool, mariaPool) {
  const [pg, maria] = await Promise.allSettled([pgPool.connect(), mariaPool.getConnection()]);
  if (pg.status === 'fulfilled' && maria.status === 'fulfilled') return [pg.value, maria.value];
  if (pg.status === 'fulfilled') pg.value.release();
  if (maria.status === 'fulfilled') maria.value.release();
  throw pg.status === 'rejected' ? pg.reason : maria.reason;
}

module.exports = makeRawTwoPhase({ evidence: false });
module.exports.makeRawTwoPhase = makeRawTwoPhase;
