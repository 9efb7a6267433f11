'use strict';
/**
 * (b+) The raw 2PC of raw-2pc.js plus the evidence the coordinator keeps so that recovery can
 * tell later whether a branch that is no longer prepared committed (heuristic-outcome detection):
 * `SELECT txid_current()` after BEGIN on PostgreSQL, and an `INSERT INTO xfer_markers` row inside
 * the XA branch on MariaDB (lib/backend/postgres/two-phase.ts and lib/backend/mysql/two-phase.ts,
 * `beginBranch`). Both are recorded in the decision record's participants. Statement for
 * statement, this is what the coordinator sends.
 */
module.exports = require('./raw-2pc').makeRawTwoPhase({ evidence: true });
