// What docs/replicas.md's snippets mention without showing (see test/docs/check-snippets.js).
import { ActiveRecord, Column, Connection, Model, PrimaryKey } from 'nestjs-activerecord';

/** "an injected Connection" */
export declare const connection: Connection;
export declare const walletId: number;

@Model({ table: 'wallets' })
export class Wallet extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') balanceCents!: number;
}
