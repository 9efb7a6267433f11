import { AssociationNotLoadedError } from '../../errors';

/**
 * Where a record keeps the associations loaded for it, under a symbol so that they never show
 * up in `Object.keys` or a spread of attributes. `toJSON` includes the loaded ones.
 */
export const LOADED_ASSOCIATIONS: unique symbol = Symbol.for('nestjs-activerecord:loaded-associations') as never;

type Store = Record<string, unknown>;
type WithAssociations = { [LOADED_ASSOCIATIONS]?: Store };

export function loadedAssociations(record: object): Readonly<Store> | undefined {
  return (record as WithAssociations)[LOADED_ASSOCIATIONS];
}

export function isAssociationLoaded(record: object, name: string): boolean {
  const store = (record as WithAssociations)[LOADED_ASSOCIATIONS];
  return store !== undefined && name in store;
}

export function setLoadedAssociation(record: object, name: string, value: unknown): void {
  const holder = record as WithAssociations;
  let store = holder[LOADED_ASSOCIATIONS];
  if (store === undefined) {
    store = {};
    Object.defineProperty(holder, LOADED_ASSOCIATIONS, { value: store, enumerable: false, writable: true, configurable: true });
  }
  store[name] = value;
}

/**
 * Make `property` on a model's prototype read the loaded association, or throw
 * AssociationNotLoadedError naming how to load it. Assigning stores the value as loaded.
 */
export function defineAssociationAccessor(prototype: object, property: string): void {
  const model = (prototype as { constructor: { name: string } }).constructor.name;
  Object.defineProperty(prototype, property, {
    configurable: true,
    enumerable: false,
    get(this: object) {
      const store = (this as WithAssociations)[LOADED_ASSOCIATIONS];
      if (store !== undefined && property in store) return store[property];
      throw new AssociationNotLoadedError(
        `${model}.${property} is not loaded: include it in the query (${model}.where(...).includes('${property}')), ` +
          `load it (await record.load('${property}')), or query it (record.related('${property}'))`,
        { model, field: property },
      );
    },
    set(this: object, value: unknown) {
      setLoadedAssociation(this, property, value);
    },
  });
}

/**
 * Class fields compiled with `useDefineForClassFields` (TypeScript's default from target ES2022)
 * give a record built with `new` an own `undefined` property for each association, which hides
 * the accessor. Records read from the database never run the constructor; for the others this
 * moves an assigned value into the store and removes the placeholder, so the accessor works.
 */
export function adoptAssociationFields(record: object, properties: readonly string[]): void {
  for (const property of properties) {
    if (!Object.prototype.hasOwnProperty.call(record, property)) continue;
    const value = (record as Record<string, unknown>)[property];
    delete (record as Record<string, unknown>)[property];
    if (value !== undefined) setLoadedAssociation(record, property, value);
  }
}
