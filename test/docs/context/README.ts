// What README.md's snippets mention without showing (see test/docs/check-snippets.js).
import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

export { EventEmitter };

export interface OrderInput {
  customer: string;
  product: string;
  quantity: number;
  amount: string;
}

@Model({ table: 'orders', connection: 'orders' })
export class Order extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() customer!: string;
  @Column() product!: string;
  @Column() quantity!: number;
  @Column('decimal', { precision: 12, scale: 2 }) amount!: string;
}

@Injectable()
export class StockService {
  async reserve(_order: Order): Promise<void> {}
}

@Injectable()
export class AuditService {
  async log(_subject: object): Promise<void> {}
}

@Injectable()
export class UserService {}

/** The associations tour's many-to-many: a Tag and its join model. */
@Model({ table: 'tags' })
export class Tag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'book_tags' })
export class BookTag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') bookId!: number;
  @Column('integer') tagId!: number;
}

@Model({ table: 'wallets' })
export class Wallet extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') balanceCents!: number;
}

export class InsufficientFunds extends Error {
  constructor(readonly walletId: number) {
    super(`wallet ${walletId} has too little money`);
  }
}

/** The mailer of the lifecycle example. */
export declare const mailer: { send(to: string, subject: string): void };
