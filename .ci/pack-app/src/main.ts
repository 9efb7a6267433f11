// A fresh Nest application that uses the packed nestjs-activerecord exactly as a user would:
// NestFactory (not a testing module), two databases, the coordinator configured, and a unit of
// work committed across both.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ActiveRecord,
  ActiveRecordHealthIndicator,
  ActiveRecordModule,
  Column,
  Connection,
  InjectConnection,
  Model,
  PrimaryKey,
  RecordNotFoundError,
  TransactionCoordinator,
  Transactional,
  defineSagaStep,
} from 'nestjs-activerecord';

@Model({ table: 'notes', connection: 'notes' })
class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() text!: string;
  @Column('datetime', { nullable: true }) readAt!: Date | null;
}

@Model({ table: 'archived_notes', connection: 'archive' })
class ArchivedNote extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() noteId!: number;
}

// Two SQLite files cannot prepare, so the unit across them is a saga: each step knows its undo.
const writeNote = defineSagaStep({
  name: 'pack.write-note',
  connection: 'notes',
  run: async (text: string) => (await Note.create({ text })).toJSON(),
  compensate: async (note) => {
    await Note.where({ id: note.id }).deleteAll();
  },
});
const archiveNote = defineSagaStep({
  name: 'pack.archive-note',
  connection: 'archive',
  run: async (noteId: number) => (await ArchivedNote.create({ noteId })).toJSON(),
  compensate: async (archived) => {
    await ArchivedNote.where({ id: archived.id }).deleteAll();
  },
});

@Injectable()
class NoteService {
  constructor(
    @InjectConnection('notes') private readonly notes: Connection,
    private readonly coordinator: TransactionCoordinator,
    private readonly health: ActiveRecordHealthIndicator,
  ) {}

  @Transactional({ connections: ['notes', 'archive'], mode: 'saga' })
  async writeAndArchive(text: string): Promise<{ id: number }> {
    const note = await writeNote.execute(text);
    await archiveNote.execute(note.id);
    return note;
  }

  async run(): Promise<Record<string, unknown>> {
    const note = await this.writeAndArchive('packed and installed');
    const missing = await Note.find(999).catch((error: unknown) => error instanceof RecordNotFoundError);
    const pending = await this.coordinator.inDoubt();
    const ping = await this.health.pingCheck('notes');
    return {
      id: note.id,
      text: (await Note.find(note.id)).text,
      count: await Note.count(),
      archived: await ArchivedNote.where({ noteId: note.id }).count(),
      missing,
      connection: this.notes.name,
      inDoubt: pending.branches.length + pending.sagas.length,
      health: ping.notes.status,
    };
  }
}

@Module({
  imports: [
    ActiveRecordModule.forRoot({
      connections: {
        notes: { backend: 'sqlite', database: './data/notes.db', synchronize: true },
        archive: { backend: 'sqlite', database: './data/archive.db', synchronize: true },
      },
      models: [Note, ArchivedNote],
      coordinator: { log: { connection: 'notes' } },
    }),
  ],
  providers: [NoteService],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'], abortOnError: false });
  const result = await app.get(NoteService).run();
  await app.close();
  console.log(`PACK-RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
