// A fresh Nest application that uses the packed nestjs-activerecord exactly as a user would.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  Connection,
  InjectConnection,
  Model,
  PrimaryKey,
  RecordNotFoundError,
} from 'nestjs-activerecord';

@Model({ table: 'notes', connection: 'notes' })
class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column() text!: string;
  @Column('datetime', { nullable: true }) readAt!: Date | null;
}

@Injectable()
class NoteService {
  constructor(@InjectConnection('notes') private readonly notes: Connection) {}

  async run(): Promise<Record<string, unknown>> {
    const note = await this.notes.transaction(() => Note.create({ text: 'packed and installed' }));
    const missing = await Note.find(999).catch((error: unknown) => error instanceof RecordNotFoundError);
    return { id: note.id, text: (await Note.find(note.id)).text, count: await Note.count(), missing, connection: this.notes.name };
  }
}

@Module({
  imports: [
    ActiveRecordModule.forRoot({
      connections: { notes: { backend: 'sqlite', database: './data/notes.db', synchronize: true } },
      models: [Note],
    }),
  ],
  providers: [NoteService],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  const result = await app.get(NoteService).run();
  await app.close();
  console.log(`PACK-RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
