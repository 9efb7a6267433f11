import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

@Model({ table: 'orders', connection: 'orders' })
export class Order extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 100 }) customer!: string;
  @Column({ length: 100 }) product!: string;
  @Column() quantity!: number;
  @Column({ length: 20, default: 'placed' }) status!: string;
  @Column() placedAt!: Date;
}
