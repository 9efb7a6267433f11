import type { BackendLogger, StorageBackend } from '../backend/storage-backend';
import { ConnectionError, QueryError } from '../errors';
import type { AmbientScope, RequestState } from './ambient-scope';

/** How long startup waits for the replicas to connect (they go on connecting afterwards). */
const STARTUP_WAIT_MS = 2000;

/** What a statement is, for routing: a model's read, raw SQL from `query()`, or a write. */
export type StatementRole = 'read' | 'raw' | 'write';

/** One read replica of a connection: its own backend (pool) on another server. */
export class Replica {
  state: 'new' | 'opening' | 'up' | 'probing' | 'down' = 'new';
  /** When a down replica is tried again (performance.now()). */
  retryAt = 0;
  private opened = false;

  constructor(
    /** Position in the connection's `replicas` option. */
    readonly index: number,
    readonly backend: StorageBackend,
  ) {}

  /** `replica 0 (10.0.0.2:5432/app)`: never a password. */
  describe(): string {
    return `replica ${this.index} (${this.backend.describeTarget()})`;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  async open(): Promise<void> {
    await this.backend.open();
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.backend.close();
  }
}

/**
 * The read replicas of one connection. Reads outside a transaction go to them in turn
 * (round-robin over the replicas that answer); writes, transactions, and reads that must see
 * the request's own recent writes go to the primary. A replica that fails with a connection
 * error is taken out for `retryMs` (a warning says so, once) and its reads go to the primary;
 * after that one read probes it again.
 */
export class ReplicaSet {
  readonly replicas: readonly Replica[];
  private next = 0;

  constructor(
    /** The connection's name, for messages. */
    private readonly connection: string,
    backends: readonly StorageBackend[],
    private readonly logger: BackendLogger,
    /** After a write in a request, that request's reads stay on the primary this long. */
    readonly readYourWritesMs: number,
    /** How long a failed replica is left alone before a read tries it again. */
    readonly retryMs: number,
  ) {
    this.replicas = backends.map((backend, index) => new Replica(index, backend));
  }

  /**
   * Open every replica, waiting at most STARTUP_WAIT_MS: one that cannot be reached is left down
   * with a warning, one still connecting finishes in the background, and until then the primary
   * serves their reads. A replica never holds startup up for longer.
   */
  async open(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STARTUP_WAIT_MS)));
    await Promise.race([Promise.all(this.replicas.map((replica) => this.connect(replica))), waited]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.replicas.map((replica) => replica.close()));
  }

  /**
   * Where a statement outside any transaction runs: a replica, or undefined for the primary.
   * Throws for a write under `connectedTo({ role: 'reading' })`.
   */
  route(owner: object, role: StatementRole, scope: AmbientScope | undefined, sql: string): Replica | undefined {
    const routing = scope?.routing;
    const forced = routing?.role;
    if (role === 'write') {
      if (forced === 'reading') throw this.writeRefused(sql);
      routing?.request?.wrote(owner);
      return undefined;
    }
    if (forced === 'reading') return this.pick();
    if (role === 'raw') {
      if (!READ_ONLY_SQL.test(sql)) routing?.request?.wrote(owner);
      return undefined;
    }
    if (forced === 'writing') return undefined;
    const last = routing?.request?.lastWrite(owner);
    if (last !== undefined && performance.now() - last < this.readYourWritesMs) return undefined;
    return this.pick();
  }

  /** The next replica that answers, in turn; undefined when none does now. */
  pick(): Replica | undefined {
    const replicas = this.replicas;
    const count = replicas.length;
    let now: number | undefined;
    for (let i = 0; i < count; i++) {
      const position = (this.next + i) % count;
      const replica = replicas[position]!;
      if (replica.state === 'up') {
        this.next = (position + 1) % count;
        return replica;
      }
      if (replica.state === 'new' || replica.state === 'down') {
        now ??= performance.now();
        if (replica.state === 'down' && now < replica.retryAt) continue;
        if (!replica.isOpen) {
          void this.connect(replica); // in the background: this read goes elsewhere
          continue;
        }
        replica.state = 'probing'; // this read tries it; the others keep away until it answers
        this.next = (position + 1) % count;
        return replica;
      }
    }
    return undefined;
  }

  /** A read on `replica` answered. */
  answered(replica: Replica): void {
    if (replica.state === 'probing') {
      replica.state = 'up';
      this.logger.log(`Connection '${this.connection}': ${replica.describe()} answers again; reads go to it`);
    }
  }

  /**
   * A read on `replica` failed. True when the failure was the replica's connection, which
   * takes it out for a while: the caller then runs the read on the primary.
   */
  failed(replica: Replica, error: unknown): boolean {
    if (!(error instanceof ConnectionError)) {
      this.answered(replica); // the replica answered, with an error of the statement's own
      return false;
    }
    this.takeDown(replica, error);
    return true;
  }

  private async connect(replica: Replica): Promise<void> {
    if (replica.state === 'opening') return;
    replica.state = 'opening';
    try {
      await replica.open();
      replica.state = 'up';
    } catch (error) {
      this.takeDown(replica, error);
    }
  }

  private takeDown(replica: Replica, error: unknown): void {
    const wasDown = replica.state === 'down';
    replica.state = 'down';
    replica.retryAt = performance.now() + this.retryMs;
    if (wasDown) return;
    this.logger.warn(
      `Connection '${this.connection}': ${replica.describe()} is unreachable (${error instanceof Error ? error.message : String(error)}); ` +
        `its reads go to the primary, and it is tried again in ${this.retryMs} ms`,
    );
  }

  private writeRefused(sql: string): QueryError {
    return new QueryError(
      `Connection '${this.connection}' runs under connectedTo({ role: 'reading' }), where statements go to read replicas, ` +
        `and a write cannot: run it outside that block, under connectedTo({ role: 'writing' }), or in a transaction`,
      { connection: this.connection, sql },
    );
  }
}

/** Raw SQL that certainly does not write (anything else from `query()` counts as a write for read-your-writes). */
const READ_ONLY_SQL = /^\s*(?:select|show|explain|values|table|describe)\b/i;

/** What one request wrote, and when: kept in the request's scope (AmbientScope.routing.request). */
export class RequestWrites implements RequestState {
  private readonly writes = new Map<object, number>();

  wrote(connection: object): void {
    this.writes.set(connection, performance.now());
  }

  lastWrite(connection: object): number | undefined {
    return this.writes.get(connection);
  }
}
