import { createHash } from 'node:crypto';

/**
 * Names the library gives the indexes and constraints it creates. Short enough for every
 * database (PostgreSQL truncates at 63 bytes, MySQL refuses more than 64 characters): a longer
 * name keeps its start and ends in a hash of the whole, so two long names stay distinct.
 */
export const MAX_NAME_LENGTH = 63;

export function shortenName(name: string, max = MAX_NAME_LENGTH): string {
  if (Buffer.byteLength(name, 'utf8') <= max) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let head = name.slice(0, max - 9);
  while (Buffer.byteLength(head, 'utf8') > max - 9) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** `ix_users_last_name_first_name`, or `ux_...` for a unique index. */
export function defaultIndexName(table: string, columns: readonly string[], unique: boolean): string {
  return shortenName(`${unique ? 'ux' : 'ix'}_${table}_${columns.join('_')}`);
}

/** `fk_posts_author_id`. */
export function defaultForeignKeyName(table: string, column: string): string {
  return shortenName(`fk_${table}_${column}`);
}
