import { ActiveRecord, Column, ConfigurationError, Index, Model, PrimaryKey } from 'nestjs-activerecord';
import { modelIndexes } from '../../lib/model/index-metadata';
import { modelMetadata } from '../../lib/model/metadata';
import { tableFromModel } from '../../lib/schema/table-from-model';

describe('@Index and @Column({ index })', () => {
  it('resolves property names to column names, names indexes, and inherits them', () => {
    abstract class Timestamped extends ActiveRecord {
      @Column('datetime', { name: 'created_at', index: true }) createdAt!: Date;
    }
    @Model({ table: 'people' })
    @Index(['lastName', 'firstName'])
    @Index(['email'], { unique: true, where: { deletedAt: null, status: { not: 'gone' } } })
    class Person extends Timestamped {
      @PrimaryKey() id!: number;
      @Column({ name: 'first_name' }) firstName!: string;
      @Column({ name: 'last_name' }) lastName!: string;
      @Column() email!: string;
      @Column() status!: string;
      @Column('datetime', { name: 'deleted_at', nullable: true, index: { name: 'people_deleted' } }) deletedAt!: Date | null;
    }
    expect(modelIndexes(modelMetadata(Person))).toEqual([
      { name: 'ix_people_created_at', columns: ['created_at'], unique: false },
      { name: 'people_deleted', columns: ['deleted_at'], unique: false },
      { name: 'ux_people_email', columns: ['email'], unique: true, where: { deleted_at: null, status: { not: 'gone' } } },
      { name: 'ix_people_last_name_first_name', columns: ['last_name', 'first_name'], unique: false },
    ]);
    expect(tableFromModel(modelMetadata(Person)).indexes).toHaveLength(4);
  });

  it('keeps long default names within 63 characters, distinct', () => {
    @Model({ table: 'a_table_with_a_rather_long_name_for_testing' })
    @Index(['aVeryLongPropertyNameNumberOne', 'aVeryLongPropertyNameNumberTwo'])
    @Index(['aVeryLongPropertyNameNumberOne', 'aVeryLongPropertyNameNumberThree'])
    class Long extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column() aVeryLongPropertyNameNumberOne!: string;
      @Column() aVeryLongPropertyNameNumberTwo!: string;
      @Column() aVeryLongPropertyNameNumberThree!: string;
    }
    const names = modelIndexes(modelMetadata(Long)).map((index) => index.name);
    expect(names.every((name) => name.length <= 63)).toBe(true);
    expect(new Set(names).size).toBe(2);
    expect(names[0]).toMatch(/^ix_a_table_with_a_rather_long_name_for_testing_aVeryLo_[0-9a-f]{8}$/);
  });

  it('names the model and the property when one does not exist', () => {
    @Model({ table: 'typos' })
    @Index(['lastNme'])
    class Typo extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column() lastName!: string;
    }
    expect(() => tableFromModel(modelMetadata(Typo))).toThrow(ConfigurationError);
    expect(() => tableFromModel(modelMetadata(Typo))).toThrow("@Index on Typo: property 'lastNme' is not a column of the model (columns: id, lastName)");
  });

  it('refuses malformed declarations at once', () => {
    const declare = (columns: unknown, options?: unknown) => () => Index(columns as string[], options as never)(class Bad {});
    expect(declare([])).toThrow('@Index on Bad: columns must be a property name or a non-empty array of them');
    expect(declare(['a'], { unique: 'yes' })).toThrow('@Index on Bad: unique must be true or false');
    expect(declare(['a'], { uniq: true })).toThrow("@Index on Bad: unknown option 'uniq' (options: unique, where, name)");
    expect(declare(['a'], { where: { a: [1, 2] } })).toThrow('@Index on Bad: where.a must be a literal (string, number, boolean, null) or { not: literal }');
    expect(declare(['a'], { where: {} })).toThrow('@Index on Bad: where must be an object such as { deletedAt: null }');
    expect(() => {
      class Bad extends ActiveRecord {
        @Column({ index: 'yes' as never }) a!: string;
      }
      return Bad;
    }).toThrow("@Column on Bad.a: index must be true or { name: 'ix_...' }");
  });

  it('refuses two different indexes under one name', () => {
    @Model({ table: 'twins' })
    @Index(['a'], { name: 'same' })
    @Index(['b'], { name: 'same' })
    class Twins extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column() a!: string;
      @Column() b!: string;
    }
    expect(() => modelIndexes(modelMetadata(Twins))).toThrow("Model Twins declares two different indexes named 'same'");
  });
});
