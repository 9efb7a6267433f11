/**
 * Child process of time-zones.spec.ts, started with TZ set to a non-UTC zone (Jest's sandbox
 * cannot change the zone of its own process). Writes datetimes and dates through models, reads
 * them back through both protocols, and reports what came back and what the server stored.
 */
import { ActiveRecord, Column, ConnectionRegistry, Model, PrimaryKey, type ConnectionOptions } from 'nestjs-activerecord';

@Model({ table: 'tz_samples' })
class Moment extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column('datetime', { nullable: true }) at!: Date | null;
  @Column('date', { nullable: true }) day!: string | null;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.CONNECTION_OPTIONS!) as ConnectionOptions;
  const instants = JSON.parse(process.env.INSTANTS!) as string[];
  const days = JSON.parse(process.env.DAYS!) as string[];
  const registry = await ConnectionRegistry.open({ connections: { main: options }, models: [Moment] });
  try {
    await registry.schema.dropTables();
    await registry.schema.createTables();
    const ids: number[] = [];
    for (let i = 0; i < Math.max(instants.length, days.length); i++) {
      ids.push((await Moment.create({ at: instants[i] ? new Date(instants[i]!) : null, day: days[i] ?? null })).id);
    }
    const byKey = await Promise.all(ids.map((id) => Moment.find(id)));
    const viaText = await Moment.orderBy('id').all();
    const walls = await registry.get().query<{ wall: string | null }>("SELECT DATE_FORMAT(`at`, '%Y-%m-%d %H:%i:%s.%f') AS `wall` FROM `tz_samples` ORDER BY `id`");
    const found = await Moment.where({ at: { gte: new Date(instants[0]!), lte: new Date(instants[0]!) } }).count();
    process.stdout.write(
      JSON.stringify({
        offsetMinutes: new Date('2024-01-15T12:00:00Z').getTimezoneOffset(),
        byKey: byKey.map((m) => [m.at?.toISOString() ?? null, m.day]),
        viaText: viaText.map((m) => [m.at?.toISOString() ?? null, m.day]),
        walls: walls.map((w) => w.wall),
        found,
      }),
    );
  } finally {
    await registry.schema.dropTables().catch(() => undefined);
    await registry.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
