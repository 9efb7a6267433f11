'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function cpuModel() {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function describeMachine() {
  const root = path.join(__dirname, '..', '..');
  let commit = '';
  try {
    commit = require('node:child_process')
      .execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpuModel(),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    library: `nestjs-activerecord ${require(path.join(root, 'package.json')).version}`,
    commit,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

module.exports = { describeMachine };
