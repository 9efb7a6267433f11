import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

/**
 * The crash tests' world: money moves from an account on PostgreSQL (`pg`) to one on MariaDB
 * (`maria`), and every transfer is recorded on all three databases (SQLite `lite` too). Whatever
 * happens, the balances must sum to the starting total and each transfer must be in all three
 * databases or in none.
 */

export const INITIAL_BALANCE = 1_000_000;

@Model({ table: 'bank_accounts', connection: 'pg' })
export class PgAccount extends ActiveRecord {
  @PrimaryKey({ generated: false }) id!: number;
  @Column() balance!: number;
}

@Model({ table: 'bank_accounts', connection: 'maria' })
export class MariaAccount extends ActiveRecord {
  @PrimaryKey({ generated: false }) id!: number;
  @Column() balance!: number;
}

@Model({ table: 'bank_transfers', connection: 'pg' })
export class PgTransfer extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
  @Column() amount!: number;
}

@Model({ table: 'bank_transfers', connection: 'maria' })
export class MariaTransfer extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
  @Column() amount!: number;
}

@Model({ table: 'bank_transfers', connection: 'lite' })
export class LiteTransfer extends ActiveRecord {
  @PrimaryKey({ type: 'string', length: 40 }) id!: string;
  @Column() amount!: number;
}

export const BANK_MODELS = [PgAccount, MariaAccount, PgTransfer, MariaTransfer, LiteTransfer];

/** One transfer as a unit of work across the given connections. */
export async function transfer(id: string, amount: number): Promise<void> {
  const from = await PgAccount.find(1);
  await PgAccount.where({ id: 1 }).updateAll({ balance: from.balance - amount });
  const to = await MariaAccount.find(1);
  await MariaAccount.where({ id: 1 }).updateAll({ balance: to.balance + amount });
  await PgTransfer.create({ id, amount });
  await MariaTransfer.create({ id, amount });
}
