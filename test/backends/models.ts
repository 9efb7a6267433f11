import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

/** Models of the backend suite. No connection named: they live on the suite's `main`. */

@Model({ table: 'suite_people' })
export class Person extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('string', { nullable: true }) email!: string | null;
  @Column('integer', { nullable: true }) age!: number | null;
  @Column({ default: 'active', length: 20 }) status!: string;
  @Column({ default: true }) active!: boolean;
}

/** One nullable column of every logical type, keyed by a generated UUID. */
@Model({ table: 'suite_samples' })
export class Sample extends ActiveRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Column('string', { nullable: true }) label!: string | null;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('integer', { nullable: true }) count!: number | null;
  @Column('bigint', { nullable: true }) big!: bigint | null;
  @Column('float', { nullable: true }) ratio!: number | null;
  @Column('decimal', { nullable: true, precision: 20, scale: 4 }) amount!: string | null;
  @Column('boolean', { nullable: true }) flag!: boolean | null;
  @Column('date', { nullable: true }) day!: string | null;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('json', { nullable: true }) data!: unknown;
  @Column('binary', { nullable: true }) blob!: Buffer | null;
  @Column('uuid', { nullable: true }) ref!: string | null;
}

@Model({ table: 'suite_accounts' })
export class Account extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ unique: true, length: 100 }) email!: string;
}

@Model({ table: 'suite_orders' })
export class Order extends ActiveRecord {
  @PrimaryKey({ type: 'bigint' }) id!: bigint;
  @Column({ type: 'integer', references: { model: () => Account, onDelete: 'cascade' } }) accountId!: number;
  @Column({ type: 'decimal', precision: 12, scale: 2 }) total!: string;
}

export const SUITE_MODELS = [Person, Sample, Account, Order];
