/**
 * One instance per process, shared by every copy of this library that is loaded: an application
 * whose dependencies each bring their own nestjs-activerecord must still see one transaction
 * context and one list of open applications, or a transaction opened through one copy would be
 * invisible to models loaded through another.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`nestjs-activerecord:${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    holder[key] = value;
  }
  return value;
}
