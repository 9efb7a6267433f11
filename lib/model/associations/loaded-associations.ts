import { AssociationNotLoadedError } from '../../errors';

/**
 * Where a record keeps a loaded association: under a symbol of its own per association name, so
 * that it never shows up in `Object.keys`, `for...in` or `JSON.stringify` of the record's own
 * properties (`toJSON` adds the loaded ones), and so that loading one costs a property store on
 * the record, not an object per record (an include of 1,000 books sets each book's inverse).
 * A loaded value is never `undefined`: a record, `null`, or an array.
 */
const slots = new Map<string, symbol>();

export function associationSlot(name: string): symbol {
  let slot = slots.get(name);
  if (slot === undefined) {
    slot = Symbol.for(`nestjs-activerecord:association:${name}`);
    slots.set(name, slot);
  }
  return slot;
}

type Slots = Record<symbol, unknown>;

export function isAssociationLoaded(record: object, name: string): boolean {
  return (record as Slots)[associationSlot(name)] !== undefined;
}

export function setLoadedAssociation(record: object, name: string, value: unknown): void {
  (record as Slots)[associationSlot(name)] = value;
}

/** Records whose `toJSON` is running, outermost first (serialization is synchronous). */
const serializing = new Set<object>();

/**
 * Add a record's loaded associations to its JSON, each through its own `toJSON`. A record that
 * is already being serialized further out (the author of `author.books[i].author`, set as an
 * inverse) is left out, so a loaded graph serializes as a tree instead of recursing forever.
 */
export function addLoadedAssociations(record: object, json: Record<string, unknown>, names: readonly string[]): void {
  serializing.add(record);
  try {
    for (const name of names) {
      const value = (record as Slots)[associationSlot(name)];
      if (value === undefined) continue;
      if (value === null) json[name] = null;
      else if (Array.isArray(value)) json[name] = value.filter((item) => !serializing.has(item)).map(toJson);
      else if (!serializing.has(value as object)) json[name] = toJson(value);
    }
  } finally {
    serializing.delete(record);
  }
}

function toJson(value: unknown): unknown {
  const withJson = value as { toJSON?: () => unknown };
  return typeof withJson.toJSON === 'function' ? withJson.toJSON() : value;
}

/**
 * Make `property` on a model's prototype read the loaded association, or throw
 * AssociationNotLoadedError naming how to load it. Assigning stores the value as loaded.
 */
export function defineAssociationAccessor(prototype: object, property: string): void {
  const model = (prototype as { constructor: { name: string } }).constructor.name;
  const slot = associationSlot(property);
  Object.defineProperty(prototype, property, {
    configurable: true,
    enumerable: false,
    get(this: Slots) {
      const value = this[slot];
      if (value !== undefined) return value;
      throw new AssociationNotLoadedError(
        `${model}.${property} is not loaded: include it in the query (${model}.where(...).includes('${property}')), ` +
          `load it (await record.load('${property}')), or query it (record.related('${property}'))`,
        { model, field: property },
      );
    },
    set(this: Slots, value: unknown) {
      this[slot] = value === undefined ? null : value;
    },
  });
}

/**
 * Class fields compiled with `useDefineForClassFields` (TypeScript's default from target ES2022)
 * give a record built with `new` an own `undefined` property for each association, which hides
 * the accessor. Records read from the database never run the constructor; for the others this
 * moves an assigned value into its slot and removes the placeholder, so the accessor works.
 */
export function adoptAssociationFields(record: object, properties: readonly string[]): void {
  for (const property of properties) {
    if (!Object.prototype.hasOwnProperty.call(record, property)) continue;
    const value = (record as Record<string, unknown>)[property];
    delete (record as Record<string, unknown>)[property];
    if (value !== undefined) setLoadedAssociation(record, property, value);
  }
}
