import { ActiveRecord, Model, PrimaryKey, defineSagaStep, type TransactionCoordinator } from 'nestjs-activerecord';
import { LiteTransfer, MariaAccount, MariaTransfer, PgAccount, PgTransfer } from './bank';

/**
 * The saga version of a transfer: each step commits on its own database at once, and a failure
 * (or a crash, through recovery) compensates the completed steps newest first. The steps are
 * defined at module level, so a recovering process that loads this file finds them by name.
 */

interface Move {
  id: string;
  amount: number;
}

/** An approval that fails on purpose for ids containing 'declined'. */
@Model({ table: 'bank_approvals', connection: 'lite' })
export class Approval extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
}

export const SAGA_MODELS = [Approval];

export const debit = defineSagaStep({
  name: 'bank.debit',
  connection: 'pg',
  run: async (move: Move) => {
    const account = await PgAccount.find(1);
    await PgAccount.where({ id: 1 }).updateAll({ balance: account.balance - move.amount });
    await PgTransfer.create(move);
    return move;
  },
  compensate: async (move: Move) => {
    const account = await PgAccount.find(1);
    await PgAccount.where({ id: 1 }).updateAll({ balance: account.balance + move.amount });
    await PgTransfer.where({ id: move.id }).deleteAll();
  },
});

export const credit = defineSagaStep({
  name: 'bank.credit',
  connection: 'maria',
  run: async (move: Move) => {
    const account = await MariaAccount.find(1);
    await MariaAccount.where({ id: 1 }).updateAll({ balance: account.balance + move.amount });
    await MariaTransfer.create(move);
    return move;
  },
  compensate: async (move: Move) => {
    const account = await MariaAccount.find(1);
    await MariaAccount.where({ id: 1 }).updateAll({ balance: account.balance - move.amount });
    await MariaTransfer.where({ id: move.id }).deleteAll();
  },
});

export const record = defineSagaStep({
  name: 'bank.record',
  connection: 'lite',
  run: async (move: Move) => {
    await LiteTransfer.create(move);
    return move;
  },
  compensate: async (move: Move) => {
    await LiteTransfer.where({ id: move.id }).deleteAll();
  },
});

export const approve = defineSagaStep({
  name: 'bank.approve',
  connection: 'lite',
  run: async (move: Move) => {
    if (move.id.includes('declined')) throw new Error(`transfer ${move.id} declined`);
    await Approval.create({ id: move.id });
    return move;
  },
  compensate: async (move: Move) => {
    await Approval.where({ id: move.id }).deleteAll();
  },
});

/** Built once, at module level, so recovery knows it by name. */
export function sagaTransfer(coordinator: TransactionCoordinator, id: string, amount: number): Promise<unknown> {
  return coordinator.run({ connections: ['pg', 'maria', 'lite'], mode: 'saga', name: 'bank.transfer' }, async () => {
    const move = { id, amount };
    await debit.execute(move);
    await credit.execute(move);
    await record.execute(move);
    await approve.execute(move);
  });
}
