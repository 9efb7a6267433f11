import { ActiveRecord, BelongsTo, Column, ConfigurationError, ConnectionRegistry, HasMany, HasOne, Model, PrimaryKey, type AnyModelClass } from 'nestjs-activerecord';

/**
 * Association declarations are resolved when an application opens: a wrong or ambiguous one is
 * a ConfigurationError at startup naming both models and the option that would settle it.
 */
async function open(models: AnyModelClass[]): Promise<ConnectionRegistry> {
  return ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: ':memory:' } }, models });
}

async function startupError(models: AnyModelClass[]): Promise<ConfigurationError> {
  try {
    const registry = await open(models);
    await registry.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('the application opened');
}

describe('association declarations', () => {
  it('infers foreign keys and inverses where there is one answer', async () => {
    @Model({ table: 'd1_authors' })
    class Writer extends ActiveRecord {
      @PrimaryKey() id!: number;
      @HasMany(() => Essay) essays!: Essay[];
      @HasOne(() => Bio) bio!: Bio | null;
    }
    @Model({ table: 'd1_essays' })
    class Essay extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column('integer') writerId!: number; // the conventional name
      @BelongsTo(() => Writer) writer!: Writer;
    }
    @Model({ table: 'd1_bios' })
    class Bio extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column({ type: 'integer', references: () => Writer }) owner!: number; // found by `references`
    }
    const registry = await open([Writer, Essay, Bio]);
    await registry.close();
  });

  it('names both models when a hasMany could use two foreign keys', async () => {
    @Model({ table: 'd2_people' })
    class Person extends ActiveRecord {
      @PrimaryKey() id!: number;
      @HasMany(() => Article) articles!: Article[];
    }
    @Model({ table: 'd2_articles' })
    class Article extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column('integer') authorId!: number;
      @Column('integer') editorId!: number;
      @BelongsTo(() => Person, { foreignKey: 'authorId' }) author!: Person;
      @BelongsTo(() => Person, { foreignKey: 'editorId' }) editor!: Person;
    }
    const error = await startupError([Person, Article]);
    expect(error.message).toBe(
      'Person.articles: Article has 2 @BelongsTo associations to Person (author, editor); say which key to use with foreignKey',
    );
  });

  it('names both models when no key can be inferred, or two columns reference the target', async () => {
    @Model({ table: 'd3_owners' })
    class Owner extends ActiveRecord {
      @PrimaryKey() id!: number;
    }
    @Model({ table: 'd3_pets' })
    class Pet extends ActiveRecord {
      @PrimaryKey() id!: number;
      @BelongsTo(() => Owner) keeper!: Owner;
    }
    expect((await startupError([Owner, Pet])).message).toBe(
      "Pet.keeper: cannot tell which key of Pet points at Owner: Pet has no attribute 'keeperId' and no column with references: () => Owner; give foreignKey",
    );

    @Model({ table: 'd3_loans' })
    class Loan extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column({ type: 'integer', references: () => Owner }) lenderId!: number;
      @Column({ type: 'integer', references: () => Owner }) borrowerId!: number;
      @BelongsTo(() => Owner) party!: Owner;
    }
    expect((await startupError([Owner, Loan])).message).toMatch(/Loan has 2 columns referencing Owner \(lenderId, borrowerId\); give foreignKey/);
  });

  it('refuses keys that do not exist or whose types cannot match', async () => {
    @Model({ table: 'd4_users' })
    class User extends ActiveRecord {
      @PrimaryKey() id!: number;
    }
    @Model({ table: 'd4_posts' })
    class Post extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column() userId!: string;
      @BelongsTo(() => User) user!: User;
    }
    expect((await startupError([User, Post])).message).toBe('Post.user: Post.userId (string) cannot hold User.id (integer); the key types must match');

    @Model({ table: 'd4_comments' })
    class Comment extends ActiveRecord {
      @PrimaryKey() id!: number;
      @BelongsTo(() => User, JSON.parse('{"foreignKey":"nope"}')) user!: User;
    }
    expect((await startupError([User, Comment])).message).toBe("Comment.user: foreignKey: Comment has no attribute 'nope' (attributes: id)");
  });

  it('refuses a target that is not a model, and an undefined one (an import cycle)', async () => {
    class NotAModel extends ActiveRecord {}
    @Model({ table: 'd5_things' })
    class Thing extends ActiveRecord {
      @PrimaryKey() id!: number;
      @HasMany(() => NotAModel as never) others!: ActiveRecord[];
    }
    expect((await startupError([Thing])).message).toBe('Thing.others: the target (NotAModel) is not a model: decorate it with @Model()');
    @Model({ table: 'd5_items' })
    class Item extends ActiveRecord {
      @PrimaryKey() id!: number;
      @HasMany(() => undefined as never) others!: ActiveRecord[];
    }
    expect((await startupError([Item])).message).toMatch(/Item\.others: target must be a function returning a model class.*import cycle/);
  });

  it('infers both keys of a many-to-many join model, or asks for them', async () => {
    @Model({ table: 'd6_students' })
    class Student extends ActiveRecord {
      @PrimaryKey() id!: number;
      @HasMany(() => Course, { through: () => Enrolment }) courses!: Course[];
      @HasMany(() => Student, { through: () => Friendship }) friends!: Student[];
    }
    @Model({ table: 'd6_courses' })
    class Course extends ActiveRecord {
      @PrimaryKey() id!: number;
    }
    @Model({ table: 'd6_enrolments' })
    class Enrolment extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column('integer') studentId!: number;
      @Column('integer') courseId!: number;
    }
    @Model({ table: 'd6_friendships' })
    class Friendship extends ActiveRecord {
      @PrimaryKey() id!: number;
      @Column('integer') studentId!: number;
      @Column('integer') friendId!: number;
    }
    expect((await startupError([Student, Course, Enrolment, Friendship])).message).toBe(
      'Student.friends: Friendship.studentId cannot point at both Student and Student; give foreignKey and otherKey',
    );
  });

  it('checks decorator options where they are written', () => {
    expect(() => {
      class Bad extends ActiveRecord {
        @BelongsTo(() => Bad, { foriegnKey: 'x' } as never) bad!: Bad;
      }
      return Bad;
    }).toThrow("@BelongsTo on Bad.bad: unknown option 'foriegnKey' (options: foreignKey, primaryKey, scope)");
    expect(() => {
      class Bad extends ActiveRecord {
        @HasMany(() => Bad, { otherKey: 'x' } as never) bad!: Bad[];
      }
      return Bad;
    }).toThrow('@HasMany on Bad.bad: otherKey needs `through`');
  });
});
