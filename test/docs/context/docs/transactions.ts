// What docs/transactions.md's snippets mention without showing (see test/docs/check-snippets.js).
import { Injectable } from '@nestjs/common';
import { ActiveRecord, Column, Connection, Model, PrimaryKey, Transactional } from 'nestjs-activerecord';

/** "an injected Connection" */
export declare const connection: Connection;
export declare const work: () => Promise<void>;

@Model({ table: 'users' })
export class User extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() email!: string;
}

@Model({ table: 'orders' })
export class Order extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() customer!: string;
}

@Model({ table: 'order_lines' })
export class OrderLine extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() orderId!: number;
  @Column() product!: string;
}

export declare const order: { customer: string };
export declare const lines: Array<{ orderId: number; product: string }>;

@Injectable()
export class SignUpService {
  @Transactional()
  async signUp(email: string): Promise<User> {
    return User.create({ email });
  }
}
