import { randomUUID } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Row } from '../storage-backend';

/**
 * A private temporary file holding batches of rows, written and read in order. Rows are
 * serialised with V8's structured clone, which keeps every value mysql2 produces (strings,
 * numbers, Dates, Buffers, null) as it was. The file is readable by this user only (rows may be
 * personal data) and removed by `dispose()`.
 */
export class SpillFile {
  private writeAt = 0;
  private readAt = 0;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(): Promise<SpillFile> {
    const path = join(tmpdir(), `nestjs-activerecord-stream-${process.pid}-${randomUUID()}.spill`);
    const handle = await open(path, 'wx+', 0o600);
    return new SpillFile(path, handle);
  }

  get hasMore(): boolean {
    return this.readAt < this.writeAt;
  }

  async write(rows: readonly Row[]): Promise<void> {
    const body = serialize(rows);
    const record = Buffer.allocUnsafe(4 + body.length);
    record.writeUInt32LE(body.length, 0);
    body.copy(record, 4);
    const position = this.writeAt;
    this.writeAt += record.length;
    await this.handle.write(record, 0, record.length, position);
  }

  async read(): Promise<Row[]> {
    const header = await this.readExactly(4, this.readAt);
    const length = header.readUInt32LE(0);
    const body = await this.readExactly(length, this.readAt + 4);
    this.readAt += 4 + length;
    return deserialize(body) as Row[];
  }

  private async readExactly(length: number, position: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) throw new Error('the stream spill file ended early');
      done += bytesRead;
    }
    return buffer;
  }

  async dispose(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}
