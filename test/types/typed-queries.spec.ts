import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, UnknownColumnError } from 'nestjs-activerecord';

/**
 * The compile-time half of this file is checked by `tsc` (npm test runs `npm run typecheck`
 * first): every `@ts-expect-error` below must stay an error, or the typecheck fails. The runtime
 * half shows that what TypeScript cannot see is still caught, with a clear error.
 */

@Model({ table: 'typed_users' })
class TypedUser extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() name!: string;
  @Column('integer', { nullable: true }) age!: number | null;
  @Column() joinedAt!: Date;
}

function compileTimeChecks(): void {
  // @ts-expect-error misspelled attribute in where
  void TypedUser.where({ nmae: 'Ada' });
  // @ts-expect-error wrong value type for an attribute
  void TypedUser.where({ age: 'old' });
  // @ts-expect-error unknown operator
  void TypedUser.where({ age: { gtt: 3 } });
  // @ts-expect-error misspelled attribute in orderBy
  void TypedUser.orderBy('nmae');
  // @ts-expect-error methods are not attributes
  void TypedUser.orderBy('save');
  // @ts-expect-error misspelled attribute in pluck
  void TypedUser.pluck('agee');
  // @ts-expect-error misspelled attribute in create
  void TypedUser.create({ nmae: 'Ada' });
  // @ts-expect-error misspelled attribute in updateAll
  void TypedUser.where({ id: 1 }).updateAll({ agee: 3 });
  // @ts-expect-error misspelled attribute in findBy
  void TypedUser.findBy({ nmae: 'Ada' });

  // Results are typed: these compile.
  const names: Promise<string[]> = TypedUser.pluck('name');
  const ages: Promise<Array<number | null>> = TypedUser.where({ age: { gte: 18 }, name: ['a', 'b'] }).pluck('age');
  const user: Promise<TypedUser> = TypedUser.find(1);
  const maybe: Promise<TypedUser | null> = TypedUser.findBy({ name: 'Ada', age: null, joinedAt: { lt: new Date() } });
  void [names, ages, user, maybe];
}
void compileTimeChecks;

describe('typed queries', () => {
  let registry: ConnectionRegistry;
  beforeAll(async () => {
    registry = await ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: ':memory:', synchronize: true } }, models: [TypedUser] });
  });
  afterAll(() => registry.close());

  it('catches at runtime what the compiler cannot see (names from request data)', () => {
    const fromRequest: Record<string, unknown> = JSON.parse('{"nmae":"Ada"}');
    expect(() => TypedUser.where(fromRequest as never)).toThrow(UnknownColumnError);
    expect(() => TypedUser.where(fromRequest as never)).toThrow("TypedUser.where: unknown attribute 'nmae' (attributes: id, name, age, joinedAt)");
  });
});
