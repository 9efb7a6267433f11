'use strict';
const { fork } = require('node:child_process');

/**
 * A worker process hosting one library or variant, driven by request/response over IPC (the
 * worker answers `{ id, ok, result, error }`). Both benches run every contender in a process of
 * its own, so no heap, JIT or process-wide hook is shared between them.
 */
class WorkerProcess {
  /**
   * @param {string} name for messages
   * @param {string} script the worker's file
   * @param {{ env?: Record<string, string>, execArgv?: string[] }} [options]
   */
  constructor(name, script, { env = {}, execArgv = [] } = {}) {
    this.name = name;
    this.nextId = 1;
    this.pending = new Map();
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: { ...process.env, ...env } });
    this.exit = new Promise((resolve) => this.child.on('exit', resolve));
    this.child.on('message', ({ id, ok, result, error }) => {
      const call = this.pending.get(id);
      if (!call) return;
      this.pending.delete(id);
      if (ok) call.resolve(result);
      else call.reject(new Error(`${this.name}: ${error}`));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const call of this.pending.values()) call.reject(new Error(`${this.name}: worker exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  call(command, args) {
    if (this.exited) return Promise.reject(new Error(`${this.name}: worker is gone`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, command, args });
    });
  }

  /**
   * Ask the worker to close (its answer is returned), then let it exit by itself, so that a CPU
   * profile it was asked for gets written; killed if it lingers.
   */
  async stop() {
    if (this.exited) return this.closed;
    try {
      this.closed = await Promise.race([this.call('close'), new Promise((r) => setTimeout(r, 10_000))]);
    } catch {
      // closing is best effort
    }
    if (!this.exited) this.child.disconnect();
    await Promise.race([this.exit, new Promise((r) => setTimeout(r, 5000))]);
    if (!this.exited) this.child.kill();
    return this.closed;
  }
}

module.exports = { WorkerProcess };
