import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ActiveRecord, Column, ConnectionRegistry, LockTimeoutError, Model, PrimaryKey } from 'nestjs-activerecord';

/**
 * better-sqlite3 waits for another process's lock inside the driver, synchronously: the whole
 * application froze for as long as the other process held the file (issue #10). The library now
 * waits asynchronously; these tests hold the lock from a second process and count how often a
 * 10 ms timer fires while a statement waits.
 */
@Model({ table: 'busy_notes' })
class BusyNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 40 }) text!: string;
}

/** A second process that takes the file's write lock, says so, and keeps it for `holdMs`. */
function lockFromAnotherProcess(file: string, holdMs: number): { child: ChildProcess; locked: Promise<void>; exited: Promise<unknown> } {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.exec('COMMIT');
    db.close();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the locking process exited first (${code})`)));
  });
  return { child, locked, exited: once(child, 'exit') };
}

/** Run `work` and count the ticks of a 10 ms interval meanwhile. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; result: T | Error }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const result = await work().catch((error: Error) => error);
    return { ticks, result };
  } finally {
    clearInterval(timer);
  }
}

describe('SQLite waits for another process without freezing the application', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ar-busy-'));
  const file = join(dir, 'busy.db');
  let registry: ConnectionRegistry;

  beforeAll(async () => {
    registry = await ConnectionRegistry.open({
      connections: { main: { backend: 'sqlite', database: file, busyTimeoutMs: 8000 } },
      models: [BusyNote],
      synchronize: true,
    });
  });
  afterAll(() => registry?.close());

  it('keeps timers firing while an insert waits for the lock, then inserts', async () => {
    const other = lockFromAnotherProcess(file, 1500);
    await other.locked;
    const { ticks, result } = await ticksDuring(() => BusyNote.create({ text: 'after the wait' }));
    await other.exited;
    expect(result).toBeInstanceOf(BusyNote);
    // A frozen event loop lets the interval fire once at most; waiting ~1.5 s it fires many times.
    expect(ticks).toBeGreaterThan(20);
    expect(await BusyNote.pluck('text')).toEqual(['after the wait']);
  });

  it('keeps timers firing inside a transaction too, and gives up after busyTimeoutMs with a LockTimeoutError', async () => {
    const short = await ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: file, busyTimeoutMs: 400 } } });
    try {
      const other = lockFromAnotherProcess(file, 2000);
      await other.locked;
      const db = short.get('main');
      const { ticks, result } = await ticksDuring(() => db.transaction(() => db.execute('INSERT INTO busy_notes (text) VALUES (?)', ['never'])));
      await other.exited;
      expect(result).toBeInstanceOf(LockTimeoutError);
      expect(ticks).toBeGreaterThan(10);
    } finally {
      await short.close();
    }
    expect(await registry.run(() => BusyNote.where({ text: 'never' }).count())).toBe(0);
  });
});
