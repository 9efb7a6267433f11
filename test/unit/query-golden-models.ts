import { ActiveRecord, BelongsTo, Column, HasMany, Model, PrimaryKey } from 'nestjs-activerecord';

/** Models for golden SQL: compiled with each dialect, never run. */

@Model({ table: 'authors' })
export class GAuthor extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @HasMany(() => GBook, { foreignKey: 'authorId' }) books!: GBook[];
}

@Model({ table: 'books' })
export class GBook extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() title!: string;
  @Column('integer') authorId!: number;
  @Column('decimal', { precision: 10, scale: 2 }) price!: string;
  @Column('integer') pages!: number;
  @BelongsTo(() => GAuthor, { foreignKey: 'authorId' }) author!: GAuthor;
  @HasMany(() => GTag, { through: () => GBookTag, foreignKey: 'bookId', otherKey: 'tagId' }) tags!: GTag[];
}

@Model({ table: 'tags' })
export class GTag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
}

@Model({ table: 'book_tags' })
export class GBookTag extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer') bookId!: number;
  @Column('integer') tagId!: number;
}

@Model({ table: 'nodes' })
export class GNode extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('integer', { nullable: true }) parentId!: number | null;
  @HasMany(() => GNode, { foreignKey: 'parentId' }) children!: GNode[];
}
