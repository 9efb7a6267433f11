// What docs/model-lifecycle.md's snippets mention without showing (see test/docs/check-snippets.js).
import { ActiveRecord, Column, Model, PrimaryKey, Version } from 'nestjs-activerecord';

export declare const mailer: { send(to: string, subject: string): void };

/** The wallet of the optimistic-locking example. */
@Model({ table: 'wallets' })
export class Wallet extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') balance!: number;
  @Version() lockVersion!: number;
}

/** The money type of the custom-column-type example. */
export declare class Money {
  readonly cents: bigint;
  static parse(text: string): Money;
  toFixed(digits: number): string;
}
