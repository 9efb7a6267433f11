'use strict';
/**
 * One contender on one backend, in a process of its own (see ../harness/worker-process.js):
 * opened, checked once against the seeded data, then run in timed batches.
 */
const { authorName, book } = require('./data');

let instance;
let settings;
let position = 0;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** The first author of the next window: windows move through the table so that reads differ. */
function nextWindow() {
  const span = settings.authors - settings.window + 1;
  position = (position + 97) % span;
  return position + 1;
}

const handlers = {
  async open(args) {
    settings = args.settings;
    try {
      instance = await require(`./contenders/${args.contender}`).open(args.ctx, settings);
    } catch (error) {
      if (error && error.skip) return { skipped: error.message };
      throw error;
    }
    return { label: instance.label, sync: Boolean(instance.sync) };
  },

  /** One load, untimed, checked in full: a fast wrong answer counts for nothing. */
  async verify() {
    const lo = 11;
    const hi = lo + settings.window - 1;
    const authors = await instance.load(lo, hi);
    check(Array.isArray(authors) && authors.length === settings.window, `load returned ${authors && authors.length} authors`);
    const ids = authors.map((a) => Number(a.id)).sort((a, b) => a - b);
    check(ids[0] === lo && ids[ids.length - 1] === hi, 'load returned the window of authors');
    for (const author of authors) {
      check(author.name === authorName(Number(author.id)), `author ${author.id} has its name`);
      const books = [...author.books].sort((a, b) => Number(a.id) - Number(b.id));
      check(books.length === settings.booksPerAuthor, `author ${author.id} has ${books.length} books`);
      for (const loaded of books) {
        const expected = book(Number(loaded.id), settings.booksPerAuthor);
        const authorId = loaded.authorId ?? loaded.author?.id;
        check(Number(authorId) === Number(author.id), `book ${loaded.id} belongs to author ${author.id}`);
        check(loaded.title === expected.title && Number(loaded.pages) === expected.pages, `book ${loaded.id} has its title and pages`);
        check(Number(loaded.price) === Number(expected.price), `book ${loaded.id} costs ${expected.price}, got ${loaded.price}`);
      }
    }
    return { ok: true, priceType: typeof authors[0].books[0].price };
  },

  async run({ durationMs }) {
    const sync = instance.sync;
    const window = settings.window - 1;
    let ops = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(durationMs) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 4; i++) {
        const lo = nextWindow();
        if (sync) instance.load(lo, lo + window);
        else await instance.load(lo, lo + window);
        ops++;
      }
      now = process.hrtime.bigint();
    }
    return { ops, ms: Number(now - start) / 1e6 };
  },

  async close() {
    if (instance) await instance.close();
    instance = undefined;
    return {};
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    const handler = handlers[command];
    if (!handler) throw new Error(`unknown command '${command}'`);
    process.send({ id, ok: true, result: await handler(args ?? {}) });
  } catch (error) {
    process.send({ id, ok: false, error: error && error.stack ? error.stack : String(error) });
  }
});

process.on('disconnect', () => process.exit(0));
