import { ConfigurationError } from '../../errors';
import { processWide } from '../../util/process-wide';
import { normalizeOn, type LifecycleAction } from './callbacks';

/**
 * What a `@Validate()` method receives: report problems with `errors.add(attribute, message)`.
 * Every problem of a record — column types, rules, custom validators, uniqueness — is raised in
 * one ValidationError.
 */
export interface RecordErrors {
  /** Report a problem with an attribute (or a name of your own, e.g. `'base'`). */
  add(attribute: string, message: string): void;
  /** Whether a problem is already reported for this attribute (e.g. its type was wrong). */
  has(attribute: string): boolean;
}

export interface ValidateOptions {
  /** Only when the record is being created or updated; default both. */
  on?: 'create' | 'update';
}

export interface DeclaredValidator {
  readonly method: string;
  readonly on?: readonly LifecycleAction[];
}

const declared = processWide('lifecycle-validators', () => new WeakMap<object, DeclaredValidator[]>());

/**
 * A custom validation: an instance method, possibly async, that reports problems.
 *
 * ```ts
 * @Validate()
 * endsAfterStart(errors: RecordErrors) {
 *   if (this.endsAt <= this.startsAt) errors.add('endsAt', 'must be after startsAt');
 * }
 * ```
 * It runs inside the save's transaction, after the column rules, so it may read the database.
 */
export function Validate(options: ValidateOptions = {}): MethodDecorator {
  return (prototype, method, descriptor) => {
    const model = (prototype as { constructor?: { name?: string } }).constructor?.name ?? 'a class';
    if (typeof method !== 'string' || typeof descriptor.value !== 'function') {
      throw new ConfigurationError(`@Validate on ${model}: decorate an instance method with a string name`, { model });
    }
    if (options.on !== undefined && options.on !== 'create' && options.on !== 'update') {
      throw new ConfigurationError(`@Validate on ${model}.${method}: on must be 'create' or 'update'`, { model });
    }
    const list = declared.get(prototype) ?? [];
    if (!list.some((entry) => entry.method === method)) list.push({ method, on: normalizeOn(options.on, `@Validate on ${model}.${method}`, model) });
    declared.set(prototype, list);
  };
}

/** The validators of a model class and its ancestors, the oldest ancestor's first. */
export function validatorsOf(model: { readonly prototype: object }): DeclaredValidator[] {
  const chain: object[] = [];
  for (let proto = model.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  const seen = new Set<string>();
  const result: DeclaredValidator[] = [];
  for (const proto of chain) {
    for (const validator of declared.get(proto) ?? []) {
      if (seen.has(validator.method)) continue;
      seen.add(validator.method);
      result.push(validator);
    }
  }
  return result;
}
