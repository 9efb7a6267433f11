/**
 * The lifecycle of every global transaction and saga, step by step. Visible in the logger at
 * debug level and to listeners (`coordinator.onEvent`), which are awaited in order: keep them
 * fast. The fault-injection tests use them to stop a process at an exact step and kill it.
 */
export type CoordinatorEvent =
  | { readonly type: 'begin'; readonly gid: string; readonly participants: readonly string[] }
  /** A branch is about to be prepared (branches prepare in parallel; a listener may hold one back). */
  | { readonly type: 'preparing'; readonly gid: string; readonly connection: string }
  | { readonly type: 'prepared'; readonly gid: string; readonly connection: string }
  | { readonly type: 'decided'; readonly gid: string; readonly outcome: 'commit' | 'rollback' }
  | { readonly type: 'branch-committed'; readonly gid: string; readonly connection: string }
  | { readonly type: 'branch-rolled-back'; readonly gid: string; readonly connection: string }
  | { readonly type: 'done'; readonly gid: string; readonly outcome: 'committed' | 'rolled back' }
  | { readonly type: 'saga-step-started'; readonly sagaId: string; readonly step: string }
  /** The step's work is committed on its database; its `done` record is not written yet. */
  | { readonly type: 'saga-step-committed'; readonly sagaId: string; readonly step: string }
  | { readonly type: 'saga-step-done'; readonly sagaId: string; readonly step: string }
  | { readonly type: 'saga-compensating'; readonly sagaId: string; readonly step: string }
  | { readonly type: 'saga-compensated'; readonly sagaId: string; readonly step: string }
  | { readonly type: 'saga-done'; readonly sagaId: string; readonly outcome: 'completed' | 'compensated' | 'failed' }
  | { readonly type: 'recovered'; readonly gid: string; readonly connection: string; readonly action: 'committed' | 'rolled back' };

export type CoordinatorListener = (event: CoordinatorEvent) => void | Promise<void>;

const DONE: Promise<void> = Promise.resolve();

export class CoordinatorEvents {
  private readonly listeners: CoordinatorListener[] = [];

  /** `debug` is absent when nobody reads debug messages: then no description is built. */
  constructor(private readonly debug: ((message: string) => void) | undefined) {}

  on(listener: CoordinatorListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Emitted several times per unit of work: costs nothing when nobody listens. */
  emit(event: CoordinatorEvent): Promise<void> {
    if (this.debug !== undefined) this.debug(describeEvent(event));
    if (this.listeners.length === 0) return DONE;
    return this.notify(event);
  }

  private async notify(event: CoordinatorEvent): Promise<void> {
    for (const listener of [...this.listeners]) await listener(event);
  }
}

function describeEvent(event: CoordinatorEvent): string {
  const { type, ...rest } = event;
  return `${type} ${Object.entries(rest).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`).join(' ')}`;
}
