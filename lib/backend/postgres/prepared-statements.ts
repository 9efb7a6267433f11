import type { ClientBase, QueryConfig } from 'pg';
import type { CompiledQuery } from '../../query/nodes';
import type { RunOptions } from '../storage-backend';

/**
 * Named (server-side prepared) statements, per pooled connection.
 *
 * A statement that the model layer generates from a fixed shape (`RunOptions.prepare`) is sent
 * with a name the first time a connection runs it; pg then parses it once on that connection, and
 * every later run sends only Bind and Execute, so the server skips parsing and planning. That
 * halves the server's work for a point select and a bulk insert chunk alike.
 *
 * Prepared statements hold server memory for the life of the connection (a 500-row INSERT's plan
 * is most of a megabyte), so each connection keeps a bounded, least-recently-used set: at most
 * `MAX_STATEMENTS`, and at most `MAX_TEXT` characters of SQL between them. The oldest is dropped
 * when a new one would pass either bound, and deallocated (`DEALLOCATE`) just before the
 * connection's next statement. Names are `ar_s<n>`, numbered per connection and never reused.
 */
const MAX_STATEMENTS = 200;
const MAX_TEXT = 400_000;
const PREFIX = 'ar_s';
/** Longer statements run unnamed: one would take a quarter of the connection's budget. */
export const PREPARED_TEXT_LIMIT = MAX_TEXT / 4;

/** What pg keeps per connection about statements it has parsed (an internal, read defensively). */
interface PgConnectionInternals {
  parsedStatements?: Record<string, string>;
  submittedNamedStatements?: Record<string, string>;
}

class ConnectionStatements {
  /** SQL text to name, oldest use first. */
  private readonly names = new Map<string, string>();
  /** The most recently used SQL text (already last in `names`). */
  private last?: string;
  private text = 0;
  private sequence = 0;
  /** Names dropped from the set but still prepared on the server: deallocated before the next statement. */
  private evicted?: string[];

  constructor(private readonly client: ClientBase) {}

  /** The name to run `sql` under on this connection, or undefined to run it unnamed. */
  nameFor(sql: string): string | undefined {
    const names = this.names;
    const known = names.get(sql);
    if (known !== undefined) {
      // Most recently used last; skipped when it already is (the common case of a hot loop).
      if (this.last !== sql) {
        names.delete(sql);
        names.set(sql, known);
        this.last = sql;
      }
      return known;
    }
    if (sql.length > PREPARED_TEXT_LIMIT) return undefined;
    while (names.size >= MAX_STATEMENTS || this.text + sql.length > MAX_TEXT) {
      // A failed transaction refuses every statement but ROLLBACK, DEALLOCATE included.
      if (this.client.getTransactionStatus() === 'E') return undefined;
      const [oldest, name] = names.entries().next().value as [string, string];
      this.drop(oldest, name);
    }
    const name = PREFIX + ++this.sequence;
    names.set(sql, name);
    this.text += sql.length;
    this.last = sql;
    return name;
  }

  /** Forget one statement (its plan went stale): the next run prepares it afresh. */
  forget(sql: string): void {
    const name = this.names.get(sql);
    if (name !== undefined) this.drop(sql, name);
  }

  /**
   * Forget every statement without deallocating: the server no longer has them (a raw
   * `DISCARD ALL` or `DEALLOCATE ALL` ran on this connection).
   */
  reset(): void {
    const internals = this.internals();
    for (const name of this.names.values()) {
      delete internals?.parsedStatements?.[name];
      delete internals?.submittedNamedStatements?.[name];
    }
    this.names.clear();
    this.text = 0;
    this.last = undefined;
    this.evicted = undefined;
  }

  /** Names to DEALLOCATE before this connection's next statement, if any (taken: asked once). */
  takeEvicted(): string[] | undefined {
    const evicted = this.evicted;
    this.evicted = undefined;
    return evicted;
  }

  private drop(sql: string, name: string): void {
    this.names.delete(sql);
    this.text -= sql.length;
    if (this.last === sql) this.last = undefined;
    const internals = this.internals();
    delete internals?.parsedStatements?.[name];
    delete internals?.submittedNamedStatements?.[name];
    (this.evicted ??= []).push(name);
  }

  private internals(): PgConnectionInternals | undefined {
    return (this.client as ClientBase & { connection?: PgConnectionInternals }).connection;
  }
}

const statements = new WeakMap<ClientBase, ConnectionStatements>();

function statementsOf(client: ClientBase): ConnectionStatements {
  let found = statements.get(client);
  if (found === undefined) {
    found = new ConnectionStatements(client);
    statements.set(client, found);
  }
  return found;
}

/**
 * `DEALLOCATE` for the statements `client` dropped from its set since it last ran one, as one
 * simple-protocol string, or undefined. The caller runs it before the next statement (a failure
 * there leaves nothing to clean up: only a broken session fails it, and the server drops a
 * session's statements with it).
 */
export function pendingDeallocation(client: ClientBase): string | undefined {
  const found = statements.get(client);
  // A failed transaction refuses DEALLOCATE too: wait until it has ended.
  if (found === undefined || client.getTransactionStatus() === 'E') return undefined;
  const evicted = found.takeEvicted();
  return evicted === undefined ? undefined : evicted.map((name) => `DEALLOCATE ${name}`).join('; ');
}

/** pg's query config for a compiled statement on `client`: named where worth it, rows as asked. */
export function queryConfig(
  client: ClientBase,
  query: CompiledQuery,
  options: RunOptions | undefined,
  /** The connection's `preparedStatements` option. */
  named: boolean,
): QueryConfig {
  const config: QueryConfig = { text: query.sql, values: query.params as unknown[] };
  if (options !== undefined) {
    if (options.rowMode === 'array') (config as QueryConfig & { rowMode?: string }).rowMode = 'array';
    // Only statements with parameters: without them pg uses the simple protocol, which raw SQL
    // relies on for several statements in one string.
    if (named && options.prepare && query.params.length > 0) {
      const name = statementsOf(client).nameFor(query.sql);
      if (name !== undefined) config.name = name;
    }
  } else if (query.params.length === 0 && RESETS_STATEMENTS.test(query.sql)) {
    statementsOf(client).reset();
  }
  return config;
}

/** Raw SQL that drops the connection's prepared statements. */
const RESETS_STATEMENTS = /^\s*(?:discard\s+all|deallocate\s+(?:prepare\s+)?all)\b/i;

/**
 * After a named statement failed: if the failure means its prepared form is no longer usable on
 * this connection, forget it and say whether running it again (unnamed, freshly parsed) is
 * worth it. `cached plan must not change result type` (0A000) follows a change to a table's
 * columns; `prepared statement ... does not exist` (26000) follows a DEALLOCATE behind pg's back.
 */
export function forgetStalePlan(client: ClientBase, config: QueryConfig, error: unknown): boolean {
  if (config.name === undefined) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '26000') {
    statementsOf(client).reset();
    return true;
  }
  if (code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message))) {
    statementsOf(client).forget(config.text);
    return true;
  }
  return false;
}
