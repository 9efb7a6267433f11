import { Controller, Get, Injectable, Module, Param, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActiveRecord,
  ActiveRecordModule,
  Column,
  ConfigurationError,
  ConnectionRegistry,
  Model,
  PrimaryKey,
  Transactional,
} from 'nestjs-activerecord';
import { quietLogger } from './fixtures';

/**
 * Two applications in one process that bind the same model class (two TestingModules in one
 * jest file, a worker hosting two apps). Issue #10, reproduction 4: a static `Note.create`
 * inside application A's @Transactional used to land in B's database, outside A's transaction.
 */
@Model({ table: 'notes' })
class Note extends ActiveRecord {
  @PrimaryKey() id!: number;
  @Column({ length: 60 }) text!: string;
}

@Injectable()
class NoteService implements OnModuleInit {
  /** A lifecycle hook that uses the model statically: it must write to its own application. */
  async onModuleInit(): Promise<void> {
    await Note.create({ text: 'seeded at init' });
  }

  @Transactional()
  async write(text: string, fail = false): Promise<number> {
    await Note.create({ text });
    if (fail) throw new Error(`${text} failed`);
    return Note.count();
  }
}

@Controller('notes')
class NoteController {
  @Get(':text')
  async add(@Param('text') text: string): Promise<{ count: number }> {
    // A static call in a request handler: the interceptor scopes it to this application.
    await Note.create({ text });
    return { count: await Note.count() };
  }
}

@Module({ providers: [NoteService], controllers: [NoteController] })
class NotesModule {}

/** The notes' texts in insertion order, read in the given application. */
const textsIn = (application: INestApplication) => application.get(ConnectionRegistry).run(() => Note.query().orderBy('id').pluck('text'));

async function app(file: string): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ActiveRecordModule.forRoot({
        connections: { main: { backend: 'sqlite', database: file } },
        models: [Note],
        synchronize: true,
        logger: quietLogger,
      }),
      NotesModule,
    ],
  }).compile();
  const application = moduleRef.createNestApplication({ logger: false });
  await application.init();
  return application;
}

describe('two applications in one process binding the same model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ar-two-apps-'));
  let a: INestApplication;
  let b: INestApplication;
  // Closing an application twice is harmless: afterAll closes whatever a test left open.
  const texts = textsIn;

  beforeAll(async () => {
    a = await app(join(dir, 'a.db'));
    b = await app(join(dir, 'b.db'));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('runs each application\'s lifecycle hooks in its own scope', async () => {
    expect(await texts(a)).toEqual(['seeded at init']);
    expect(await texts(b)).toEqual(['seeded at init']);
  });

  it('keeps a @Transactional method and its static model calls in the application that built the provider', async () => {
    const serviceA = a.get(NoteService);
    await expect(serviceA.write('a rolled back', true)).rejects.toThrow('a rolled back failed');
    expect(await serviceA.write('a kept')).toBe(2);
    expect(await texts(a)).toEqual(['seeded at init', 'a kept']);
    expect(await texts(b)).toEqual(['seeded at init']);
  });

  it('scopes request handlers through the global interceptor', async () => {
    await a.listen(0);
    await b.listen(0);
    try {
      const url = (application: INestApplication) => application.getUrl().then((base) => base.replace('[::1]', '127.0.0.1'));
      const viaA = await fetch(`${await url(a)}/notes/by-http-a`);
      expect(await viaA.json()).toEqual({ count: 3 });
      const viaB = await fetch(`${await url(b)}/notes/by-http-b`);
      expect(await viaB.json()).toEqual({ count: 2 });
    } finally {
      await a.getHttpServer().close();
      await b.getHttpServer().close();
    }
    expect((await texts(b)).at(-1)).toBe('by-http-b');
  });

  it('refuses to guess for a static call outside any application scope, and says how to scope it', async () => {
    const error = await Note.count().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/Model Note exists in 2 open applications .* registry\.run/);
    expect(await a.get(ConnectionRegistry).run(() => Note.count())).toBe(3);
  });

  it('resolves to the one application left once the other closes', async () => {
    await b.close();
    expect(await Note.count()).toBe(3);
  });
});
