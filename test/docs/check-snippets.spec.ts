import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The documentation check itself (npm run typecheck:docs runs it over README.md and docs/).
const fence = '```';

describe('the documentation snippet check', () => {
  it('compiles snippets as a notebook against the library, skips fragments, and reports a wrong snippet at its Markdown line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-doc-snippets-'));
    writeFileSync(
      join(dir, 'guide.md'),
      [
        '# Guide',
        `${fence}ts`,
        "@Model({ table: 'users' })",
        'export class User extends ActiveRecord {',
        '  @PrimaryKey() id!: number;',
        '  @Column() name!: string;',
        '}',
        fence,
        'Then:',
        `${fence}typescript`,
        "await User.where({ name: 'Ada' }).orderBy('name').all();",
        'await User.where({ age: { gte: 18 } }).count();',
        fence,
        `${fence}ts fragment`,
        'async method() { this.is(not, code) }',
        fence,
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'script.md'),
      [`${fence}ts`, "const registry = await ConnectionRegistry.open({ connections: { main: { backend: 'sqlite', database: ':memory:' } } });", 'await registry.close();', `transactional(async () => { ... });`, fence].join('\n'),
    );
    const result = spawnSync(process.execPath, [join(__dirname, 'check-snippets.js'), join(dir, 'guide.md'), join(dir, 'script.md')], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/guide\.md:12: TS2353: Object literal may only specify known properties, and 'age' does not exist/);
    expect(result.stderr.match(/TS\d+:/g)).toHaveLength(1);
  });
});
