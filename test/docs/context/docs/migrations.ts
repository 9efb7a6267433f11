// What docs/migrations.md's snippets mention without showing (see test/docs/check-snippets.js).
import { ActiveRecord, Column, Model, PrimaryKey, type ConnectionOptions } from 'nestjs-activerecord';

@Model({ table: 'users' })
export class User extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'invoices', connection: 'billing' })
export class Invoice extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('decimal') amount!: string;
}

/** "the application's connections and models", as in the config file above */
export declare const connections: Record<string, ConnectionOptions>;
export const models = [User, Invoice];
