import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

/** Transaction suite models: `main` is the target under test, `billing` a second database. */

@Model({ table: 'tx_entries' })
export class Entry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 50 }) label!: string;
  @Column({ default: 0 }) value!: number;
}

@Model({ table: 'tx_charges', connection: 'billing' })
export class Charge extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 50 }) label!: string;
}

export const TX_MODELS = [Entry, Charge];
export const BILLING = { billing: { backend: 'sqlite', database: ':memory:' } } as const;

/** Labels of the committed entries, sorted. */
export async function labels(): Promise<string[]> {
  return (await Entry.pluck('label')).sort();
}
