/**
 * Every error the library throws is one of these classes, so callers can `catch` by kind.
 * Messages name the connection, model or option at fault and what to do next; they never carry
 * passwords or bound values (values can be personal data), only SQL text and identifiers.
 * Driver errors stay reachable as `cause`.
 */

export interface ErrorContext {
  /** Connection name the error happened on. */
  connection?: string;
  /** Model class name involved. */
  model?: string;
  /** Option or field at fault, e.g. `connections.main.database`. */
  field?: string;
  /** SQL text (never bound values). */
  sql?: string;
  cause?: unknown;
}

export class ActiveRecordError extends Error {
  readonly connection?: string;
  readonly model?: string;
  readonly field?: string;
  readonly sql?: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.connection = context.connection;
    this.model = context.model;
    this.field = context.field;
    this.sql = context.sql;
  }
}

/** Options or model declarations that cannot work; raised at startup wherever possible. */
export class ConfigurationError extends ActiveRecordError {}

/** `Model.find` found nothing. */
export class RecordNotFoundError extends ActiveRecordError {}

/** A record failed validation before it reached the database. */
export class ValidationError extends ActiveRecordError {
  constructor(
    message: string,
    readonly errors: ReadonlyArray<{ attribute: string; message: string }>,
    context: ErrorContext = {},
  ) {
    super(message, context);
  }
}

/** A query names a column the model does not declare, or an operator that does not exist. */
export class UnknownColumnError extends ActiveRecordError {}

/**
 * Code read an association that was not loaded. Associations load only when asked for
 * (`includes`, `load`), never behind a property read, so a loop over records cannot turn into
 * one hidden query per record.
 */
export class AssociationNotLoadedError extends ActiveRecordError {}

/** Any failure reported by the database that has no more specific class below. */
export class QueryError extends ActiveRecordError {}

/** The database refused a write because it breaks a constraint. */
export class ConstraintError extends QueryError {
  /** Constraint or index name when the driver reports it. */
  readonly constraint?: string;
  constructor(message: string, context: ErrorContext & { constraint?: string } = {}) {
    super(message, context);
    this.constraint = context.constraint;
  }
}
export class UniqueConstraintError extends ConstraintError {}
export class ForeignKeyConstraintError extends ConstraintError {}
export class NotNullConstraintError extends ConstraintError {}
export class CheckConstraintError extends ConstraintError {}

/** Failures that may succeed when the whole transaction is run again. */
export class TransientError extends QueryError {}
export class DeadlockError extends TransientError {}
export class SerializationError extends TransientError {}
export class LockTimeoutError extends TransientError {}

/** The database could not be reached, or the connection broke under a query. */
export class ConnectionError extends ActiveRecordError {}

/** A transaction was used wrongly (no transaction open, unknown savepoint, timeout, ...). */
export class TransactionError extends ActiveRecordError {}

/**
 * A distributed outcome that recovery could not make uniform: some branches committed and
 * others rolled back. This is the one error that means a human must look.
 */
export class HeuristicCompletionError extends TransactionError {}

/**
 * Optimistic locking (`@Version`): the record changed in the database (or was deleted) since it
 * was read, so the update or destroy was refused rather than overwrite someone else's write.
 * Reload the record (or read it again) and re-apply the change.
 */
export class StaleRecordError extends ActiveRecordError {
  /** The record's primary key. */
  readonly key: unknown;
  constructor(message: string, context: ErrorContext & { key: unknown }) {
    super(message, context);
    this.key = context.key;
  }
}

/**
 * An encrypted column's stored value could not be decrypted: it was altered, the key with its
 * id is not configured, or a different key is configured under that id. Names the model,
 * column (`field`) and key id, never the value.
 */
export class DecryptionError extends ActiveRecordError {
  readonly keyId?: string;
  constructor(message: string, context: ErrorContext & { keyId?: string }) {
    super(message, context);
    this.keyId = context.keyId;
  }
}
