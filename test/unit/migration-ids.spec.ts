import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createEmptyMigration } from '../../lib/schema/generate/migration-generator';
import { nextMigrationTimestamp } from '../../lib/schema/migrations/migration-files';

/** New migrations sort after every migration already written, whatever the clock says. */
describe('migration timestamps', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'ar-migration-ids-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const existing = (connection: string, file: string) => {
    mkdirSync(join(directory, connection), { recursive: true });
    writeFileSync(join(directory, connection, file), 'exports.up = () => undefined;\n');
  };

  it('is now when nothing newer exists', () => {
    existing('main', '20240101000000_old.ts');
    expect(nextMigrationTimestamp(directory, new Date('2026-12-04T19:22:34Z'))).toBe('20261204192234');
  });

  it('is one second after the newest migration of any connection, carrying into the next day', () => {
    existing('main', '20261204192234_a.ts');
    existing('billing', '20261231235959_b.js');
    expect(nextMigrationTimestamp(directory, new Date('2026-12-04T19:22:34Z'))).toBe('20270101000000');
  });

  it('keeps two migrations created within one second in the order they were written', () => {
    const first = createEmptyMigration(directory, 'scratch', 'tags', { language: 'js' });
    const second = createEmptyMigration(directory, 'scratch', 'by_hand', { language: 'js' });
    expect(readdirSync(join(directory, 'scratch')).sort()).toEqual([basename(first), basename(second)]);
  });

  it('uses an explicit time as given', () => {
    existing('main', '20991231000000_future.ts');
    const file = createEmptyMigration(directory, 'main', 'pinned', { now: new Date('2025-01-01T12:00:00Z') });
    expect(basename(file)).toBe('20250101120000_pinned.ts');
  });
});
