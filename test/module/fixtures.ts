import { Injectable, Module } from '@nestjs/common';
import { ActiveRecord, Column, Connection, InjectConnection, InjectModel, Model, PrimaryKey } from 'nestjs-activerecord';

/** Models and services shared by the module tests. */

@Model({ table: 'users' })
export class User extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'audit_entries', connection: 'audit' })
export class AuditEntry extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() action!: string;
}

@Model({ table: 'invoices' })
export class Invoice extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('decimal') amount!: string;
}

@Injectable()
export class ConnectionsService {
  constructor(
    @InjectConnection('audit') readonly audit: Connection,
    @InjectConnection() readonly byDecorator: Connection,
    readonly byClass: Connection,
  ) {}
}

@Injectable()
export class InvoiceService {
  constructor(@InjectModel(Invoice, 'billing') readonly invoices: typeof Invoice) {}
}

/** A stand-in for @nestjs/config: the ConfigService pattern without the dependency. */
@Injectable()
export class AppConfig {
  readonly values: Record<string, string> = { MAIN_DB: ':memory:', AUDIT_DB: ':memory:', BILLING_DB: ':memory:' };
  get(key: string): string {
    const value = this.values[key];
    if (value === undefined) throw new Error(`no config ${key}`);
    return value;
  }
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
export class AppConfigModule {}

export const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
