import { ConfigurationError } from '../../errors';
import { parsePostgresUrl } from './pool-config';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Check a `postgres` connection's own options before anything opens. Every message names the
 * option path (`connections.billing.port`) and never repeats the URL or the password.
 */
export function validatePostgresOptions(options: Record<string, unknown>, path: string): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(`${path}.${field} ${message}`, { field: `${path}.${field}` });
  };
  const string = (field: string, allowEmpty = false) => {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || (!allowEmpty && value.trim() === ''))) {
      fail(field, 'must be a non-empty string');
    }
  };
  const integer = (field: string, least: number, most = Number.MAX_SAFE_INTEGER) => {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= least && (value as number) <= most)) {
      fail(field, `must be an integer from ${least} to ${most}`);
    }
  };

  if (options.url === undefined && options.host === undefined) {
    fail(
      'url',
      `or ${path}.host is required for backend 'postgres', e.g. url: 'postgres://user:password@127.0.0.1:5432/app' ` +
        `or host/port/user/password/database`,
    );
  }
  if (options.url !== undefined) {
    if (typeof options.url !== 'string' || options.url.trim() === '') fail('url', 'must be a non-empty string');
    let fromUrl: { schema?: string } = {};
    try {
      fromUrl = parsePostgresUrl(options.url as string);
    } catch (error) {
      // The parser's message never contains the URL; no `cause`, which might.
      fail('url', (error as Error).message);
    }
    if (fromUrl.schema !== undefined) checkSchema(fromUrl.schema, 'url', 'has a schema parameter that ', fail);
  }
  string('host');
  string('user');
  string('database');
  string('applicationName', true);
  integer('port', 1, 65535);
  integer('statementTimeoutMs', 0);
  integer('lockTimeoutMs', 0);
  if (options.preparedStatements !== undefined && typeof options.preparedStatements !== 'boolean') {
    fail('preparedStatements', 'must be true or false');
  }
  const password = options.password;
  if (password !== undefined && typeof password !== 'string' && typeof password !== 'function') {
    fail('password', 'must be a string, or a function returning one (or a promise of one)');
  }
  const ssl = options.ssl;
  if (ssl !== undefined && typeof ssl !== 'boolean' && (ssl === null || typeof ssl !== 'object')) {
    fail('ssl', 'must be true, false, or an object of TLS options ({ ca, cert, key, rejectUnauthorized, ... })');
  }
  if (options.schema !== undefined) checkSchema(options.schema, 'schema', '', fail);
}

/** A schema name PostgreSQL will take as given (from `schema`, or the URL's `?schema=`). */
function checkSchema(schema: unknown, field: string, what: string, fail: (field: string, message: string) => never): void {
  if (typeof schema !== 'string' || schema === '') fail(field, `${what}must be a non-empty string`);
  if ((schema as string).includes('\0')) fail(field, `${what}cannot contain a NUL character`);
  if (Buffer.byteLength(schema as string, 'utf8') > MAX_IDENTIFIER_BYTES) {
    fail(field, `${what}is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`);
  }
}
