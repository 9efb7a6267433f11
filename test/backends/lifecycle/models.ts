import {
  ActiveRecord,
  AfterCommit,
  AfterCreate,
  AfterDestroy,
  AfterRollback,
  AfterSave,
  AfterUpdate,
  AfterValidate,
  BeforeCreate,
  BeforeDestroy,
  BeforeSave,
  BeforeUpdate,
  BeforeValidate,
  Column,
  CreatedAt,
  DefaultScope,
  DeletedAt,
  Model,
  PrimaryKey,
  UpdatedAt,
  Validate,
  Version,
  type RecordErrors,
} from 'nestjs-activerecord';

/** Every callback, logging its name (and whether the record is new yet) to `Journal.entries`. */
export const Journal = { entries: [] as string[], failAt: undefined as string | undefined };

function note(event: string): void {
  Journal.entries.push(event);
  if (Journal.failAt === event) throw new Error(`${event} refused`);
}

@Model({ table: 'life_audits' })
export class Audit extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) note!: string;
}

@Model({ table: 'life_tasks' })
export class Task extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) title!: string;
  @Column('string', { nullable: true, length: 80 }) slug!: string | null;

  @BeforeValidate() beforeValidate() {
    note('beforeValidate');
    // Callbacks may fill attributes before validation sees them.
    if (this.slug == null && typeof this.title === 'string') this.slug = this.title.toLowerCase().replace(/\s+/g, '-');
  }
  @AfterValidate afterValidate() {
    note('afterValidate');
  }
  @BeforeSave() async beforeSave() {
    await new Promise((resolve) => setTimeout(resolve, 1));
    note('beforeSave');
  }
  @BeforeCreate() async beforeCreate() {
    note('beforeCreate');
    // A write made by a callback rides in the same transaction as the record's own.
    await Audit.create({ note: `creating ${this.title}` });
  }
  @AfterCreate() afterCreate() {
    note(`afterCreate:${this.isNewRecord ? 'new' : 'saved'}`);
  }
  @BeforeUpdate() beforeUpdate() {
    note('beforeUpdate');
  }
  @AfterUpdate() afterUpdate() {
    note('afterUpdate');
  }
  @AfterSave() afterSave() {
    note('afterSave');
  }
  @BeforeDestroy() beforeDestroy() {
    note('beforeDestroy');
  }
  @AfterDestroy() afterDestroy() {
    note('afterDestroy');
  }
  @AfterCommit() afterCommit() {
    note('afterCommit');
  }
  @AfterCommit({ on: 'create' }) afterCreateCommit() {
    note('afterCommit:create');
  }
  @AfterRollback() afterRollback() {
    note('afterRollback');
  }
}

@Model({ table: 'life_people' })
export class Signup extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('string', { length: 40, validate: { presence: true, length: { min: 2 } } }) name!: string;
  @Column('string', { length: 100, validate: { format: { with: /^[^@\s]+@[^@\s]+$/, message: 'must look like an address' }, uniqueness: true } })
  email!: string;
  @Column('string', { length: 20, validate: { inclusion: ['free', 'pro'] } }) plan!: string;
  @Column('string', { nullable: true, length: 20, validate: { exclusion: ['admin', 'root'] } }) handle!: string | null;
  @Column('integer', { nullable: true, validate: { numericality: { gte: 13, lt: 130 } } }) age!: number | null;
  @Column('decimal', { precision: 8, scale: 2, default: '0', validate: { numericality: { gte: '0', lte: '1000.00' } } }) credit!: string;
  @Column('bigint', { nullable: true, validate: { numericality: { odd: true } } }) lucky!: bigint | null;
  @Column('string', { length: 20, default: 'eu', validate: { uniqueness: { scope: ['plan'], message: 'is taken on this plan' } } }) region!: string;

  @Validate() proHasAge(errors: RecordErrors) {
    if (this.plan === 'pro' && this.age == null) errors.add('age', 'is required on the pro plan');
  }

  @Validate({ on: 'update' }) async notRenamedToTaken(errors: RecordErrors) {
    // A validator may read the database (it runs inside the save's transaction).
    if (!errors.has('name') && (await Signup.where({ name: this.name }).whereNot({ id: this.id }).exists())) {
      errors.add('name', 'is used by someone else');
    }
  }
}

@Model({ table: 'life_notes' })
export class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) body!: string;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}

@Model({ table: 'life_posts' })
export class Post extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) title!: string;
  @Column('integer', { default: 0 }) score!: number;
  @UpdatedAt({ name: 'updated_at' }) updatedAt!: Date;
  @DeletedAt({ name: 'deleted_at' }) deletedAt!: Date | null;
  @Version({ name: 'lock_version' }) lockVersion!: number;
}

/** A default scope of its own, plus soft delete. */
@DefaultScope<Article>((articles) => articles.where({ published: true }).orderBy('title', 'desc'))
@Model({ table: 'life_articles' })
export class Article extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 80 }) title!: string;
  @Column({ default: true }) published!: boolean;
  @DeletedAt() deletedAt!: Date | null;
}

@Model({ table: 'life_accounts' })
export class Wallet extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) owner!: string;
  @Column('integer') balance!: number;
  @Version() lockVersion!: number;
}

export const LIFECYCLE_MODELS = [Audit, Task, Signup, Note, Post, Article, Wallet];
