// What docs/associations-and-queries.md's snippets mention without showing (see test/docs/check-snippets.js).
import { ActiveRecord, BelongsTo, Column, HasMany, Model, PrimaryKey } from 'nestjs-activerecord';

@Model({ table: 'wallets' })
export class Wallet extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') balanceCents!: number;
}

@Model({ table: 'jobs' })
export class Job extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() state!: string;
}

@Model({ table: 'accounts' })
export class Account extends ActiveRecord {
  @PrimaryKey() id!: number;
}

@Model({ table: 'seats' })
export class Seat extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') accountId!: number;
}

@Model({ table: 'categories' })
export class Category extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('integer', { nullable: true }) parentId!: number | null;
  @BelongsTo(() => Category, { foreignKey: 'parentId' }) parent!: Category | null;
  @HasMany(() => Category, { foreignKey: 'parentId' }) children!: Category[];
}

export declare const rootId: number;
export declare const leafId: number;
