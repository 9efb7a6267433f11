'use strict';
/** One variant of one cliff scenario, in a process of its own, driven over IPC by run.js. */
const { SCENARIOS } = require('./scenarios');

let instance;

const handlers = {
  async open({ scenario, variant, ctx }) {
    instance = await SCENARIOS[scenario].variants[variant](ctx);
    return {};
  },
  /**
   * Repeat op() for durationMs (at least twice); returns operations and the timed milliseconds:
   * all of it, or, where op() reports `{ timedMs }`, only the part it timed itself.
   */
  async run({ durationMs }) {
    let ops = 0;
    let timed = 0;
    let partial = false;
    const start = performance.now();
    do {
      let result = instance.op();
      if (!instance.sync) result = await result;
      if (result && typeof result.timedMs === 'number') {
        partial = true;
        timed += result.timedMs;
      }
      ops++;
    } while (performance.now() - start < durationMs || ops < 2);
    return { ops, ms: partial ? timed : performance.now() - start };
  },
  async close() {
    if (instance) await instance.close();
    instance = undefined;
    return {};
  },
};

process.on('message', async ({ id, command, args }) => {
  try {
    process.send({ id, ok: true, result: await handlers[command](args ?? {}) });
  } catch (error) {
    process.send({ id, ok: false, error: error && error.stack ? error.stack : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
