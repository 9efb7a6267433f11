import { ActiveRecord, Column, Model, PrimaryKey } from 'nestjs-activerecord';

@Model({ table: 'invoices', connection: 'billing' })
export class Invoice extends ActiveRecord {
  @PrimaryKey() id!: number;
  /** The order's id on the other database: no foreign key can cross databases. */
  @Column() orderId!: number;
  @Column({ length: 100 }) customer!: string;
  @Column({ type: 'decimal', precision: 12, scale: 2 }) amount!: string;
}
