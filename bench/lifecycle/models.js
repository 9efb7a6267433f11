'use strict';
/**
 * The model variants the lifecycle bench compares, built with the library's decorators applied
 * by hand (plain JavaScript has no decorator syntax): the same columns everywhere, plus what
 * each variant measures.
 *
 * - plain       id, name, email, age, score
 * - callbacks   plain + @BeforeValidate, @BeforeSave, @AfterSave, @AfterCommit (each save runs
 *               in a transaction of its own, which is what callbacks cost)
 * - timestamps  plain + @CreatedAt, @UpdatedAt
 * - encrypted   plain with `email` encrypted (AES-256-GCM, random IV)
 * - everything  all of the above, plus @Version and validation rules on name and age
 */

const VARIANTS = ['plain', 'callbacks', 'timestamps', 'encrypted', 'everything'];

function defineVariant(lib, variant, table) {
  const { ActiveRecord, Model, PrimaryKey, Column, BeforeValidate, BeforeSave, AfterSave, AfterCommit, CreatedAt, UpdatedAt, Version } = lib;
  const callbacks = variant === 'callbacks' || variant === 'everything';
  const stamps = variant === 'timestamps' || variant === 'everything';
  const encrypted = variant === 'encrypted' || variant === 'everything';
  const rules = variant === 'everything';

  class Item extends ActiveRecord {
    normalize() {
      if (typeof this.name === 'string') this.name = this.name.trim();
    }
    stamp() {
      this.score = Number(this.score);
    }
    remember() {
      Item.saved++;
    }
    announce() {
      Item.committed++;
    }
  }
  Item.saved = 0;
  Item.committed = 0;
  Object.defineProperty(Item, 'name', { value: `Item_${variant}_${table}` });
  const proto = Item.prototype;
  const method = (decorator, name) => decorator()(proto, name, Object.getOwnPropertyDescriptor(proto, name));

  PrimaryKey({ type: 'integer' })(proto, 'id');
  Column('string', rules ? { validate: { presence: true, length: { max: 200 } } } : {})(proto, 'name');
  Column('string', encrypted ? { encrypted: true } : {})(proto, 'email');
  Column('integer', rules ? { validate: { numericality: { gte: 0, lt: 200 } } } : {})(proto, 'age');
  Column('float')(proto, 'score');
  if (stamps) {
    CreatedAt()(proto, 'createdAt');
    UpdatedAt()(proto, 'updatedAt');
  }
  if (variant === 'everything') Version()(proto, 'lockVersion');
  if (callbacks) {
    method(BeforeValidate, 'normalize');
    method(BeforeSave, 'stamp');
    method(AfterSave, 'remember');
    method(AfterCommit, 'announce');
  }
  Model({ table })(Item);
  return Item;
}

/** Row i, the same for every variant. */
function row(i) {
  return { name: `name ${i}`, email: `user${i}@example.com`, age: i % 90, score: i / 7 };
}

module.exports = { VARIANTS, defineVariant, row };
