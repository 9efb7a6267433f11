/**
 * A list of driver values as the text of one JSON array: how SQLite (`json_each`) and MySQL /
 * MariaDB (`JSON_TABLE`) take a long IN list as a single bind parameter. The values are data
 * inside one bound string, never SQL text. BigInts keep every digit (JSON numbers have no
 * precision limit; JSON.stringify refuses bigints); binary values travel as hex, which the SQL
 * decodes (`unhex`); Dates as ISO-8601 text.
 */
export function jsonArrayParameter(values: readonly unknown[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = jsonValue(values[i]);
  return `[${parts.join(',')}]`;
}

function jsonValue(value: unknown): string {
  // Numbers first (the usual list of ids): String() writes what JSON.stringify would, faster.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return JSON.stringify(value) ?? 'null';
}
