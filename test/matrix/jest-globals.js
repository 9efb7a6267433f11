// Jest's test API on Node's own runner (node:test), so that a Jest spec file runs unchanged under
// plain `node`: the Nest matrix runs the Nest-facing suites there, because only plain Node loads
// Nest 12 (ES modules) into CommonJS code as a user's application does (require(esm)); Jest on
// Node 20 cannot. Assertions are Jest's own `expect`, mocks Jest's own `jest-mock`.
//
// Supported: describe/it/test (.skip, .only, .each, .todo), beforeAll/afterAll/beforeEach/afterEach,
// done callbacks, per-test timeouts, jest.setTimeout, jest.fn/spyOn/mocked/replaceProperty and
// the clear/reset/restore calls, expect.assertions/hasAssertions. Module mocking and module
// registries (jest.mock, jest.isolateModules, ...) and fake timers have no equivalent here: they
// throw, naming the spec file's way out (keep such a test in a file the matrix does not run).
'use strict';
const nodeTest = require('node:test');
const { format } = require('node:util');
const { expect } = require('expect');
const { ModuleMocker } = require('jest-mock');

const DEFAULT_TIMEOUT_MS = 30_000; // jest.config.js testTimeout
let defaultTimeout = DEFAULT_TIMEOUT_MS;

/** A Jest test or hook body (async, sync, or taking `done`) as a function returning a promise. */
function body(fn) {
  if (fn.length === 0) return async () => fn.call({});
  return () =>
    new Promise((resolve, reject) => {
      const finish = (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve());
      fn.call({}, Object.assign(finish, { fail: (error) => finish(error ?? new Error('done.fail()')) }));
    });
}

function resetAssertionCount() {
  expect.setState({ assertionCalls: 0, expectedAssertionsNumber: null, isExpectingAssertions: false });
}

function checkAssertionCount() {
  const { assertionCalls, expectedAssertionsNumber, isExpectingAssertions } = expect.getState();
  if (expectedAssertionsNumber !== null && assertionCalls !== expectedAssertionsNumber) {
    throw new Error(`expect.assertions(${expectedAssertionsNumber}): ${assertionCalls} assertion(s) were called`);
  }
  if (isExpectingAssertions && assertionCalls === 0) throw new Error('expect.hasAssertions(): no assertion was called');
}

function testFunction(fn) {
  const run = body(fn);
  return async () => {
    resetAssertionCount();
    await run();
    checkAssertionCount();
  };
}

/** `%s %d %i %p %j %o %#` and `$name` in .each titles, as Jest formats them. */
function eachTitle(title, row, index) {
  if (!Array.isArray(row) && row !== null && typeof row === 'object') {
    return title.replace(/\$([A-Za-z_][\w.]*)/g, (match, path) => {
      const value = path.split('.').reduce((object, key) => (object == null ? undefined : object[key]), row);
      return value === undefined && !(path in row) ? match : format('%o', value);
    });
  }
  const values = Array.isArray(row) ? [...row] : [row];
  return title.replace(/%([sdipjo#%])/g, (match, kind) => {
    if (kind === '%') return '%';
    if (kind === '#') return String(index);
    if (values.length === 0) return match;
    const value = values.shift();
    if (kind === 'p') return format('%o', value);
    if (kind === 'j') return JSON.stringify(value);
    return format(`%${kind}`, value);
  });
}

function each(register) {
  return (table) => (title, fn, timeout) => {
    table.forEach((row, index) => {
      const args = Array.isArray(row) ? row : [row];
      register(eachTitle(title, row, index), fn.length > args.length ? (done) => fn(...args, done) : () => fn(...args), timeout);
    });
  };
}

function makeIt(options = {}) {
  const it = (name, fn, timeout) => {
    if (!fn) return nodeTest.it(name, { todo: true });
    return nodeTest.it(name, { ...options, timeout: timeout ?? defaultTimeout }, testFunction(fn));
  };
  it.each = each(it);
  return it;
}

function makeDescribe(options = {}) {
  const describe = (name, fn) => nodeTest.describe(name, options, () => {
    const result = fn();
    if (result && typeof result.then === 'function') throw new Error(`describe('${name}') returned a promise: Jest requires describe callbacks to be synchronous`);
  });
  describe.each = each((title, fn) => describe(title, fn));
  return describe;
}

const it = makeIt();
it.skip = makeIt({ skip: true });
it.only = makeIt({ only: true });
it.todo = (name) => nodeTest.it(name, { todo: true });
it.concurrent = it; // run one at a time: still correct, if slower
it.failing = () => {
  throw new Error('it.failing is not supported by the Nest matrix runner');
};

const describe = makeDescribe();
describe.skip = makeDescribe({ skip: true });
describe.only = makeDescribe({ only: true });

const hook = (register) => (fn, timeout) => register(body(fn), { timeout: timeout ?? defaultTimeout });

const mocker = new ModuleMocker(globalThis);
const unsupported = (name) => () => {
  throw new Error(
    `jest.${name} is not available when a suite runs in the Nest matrix (plain Node, no Jest module registry). ` +
      'Move the test that needs it to a spec file the matrix does not run (see docs/ARCHITECTURE.md, Tests).',
  );
};

const jest = {
  setTimeout(ms) {
    defaultTimeout = ms;
    return jest;
  },
  fn: (implementation) => mocker.fn(implementation),
  spyOn: (object, method, accessType) => mocker.spyOn(object, method, accessType),
  mocked: (value) => value,
  replaceProperty: (object, key, value) => mocker.replaceProperty(object, key, value),
  isMockFunction: (fn) => mocker.isMockFunction(fn),
  clearAllMocks: () => (mocker.clearAllMocks(), jest),
  resetAllMocks: () => (mocker.resetAllMocks(), jest),
  restoreAllMocks: () => (mocker.restoreAllMocks(), jest),
};
for (const name of ['mock', 'unmock', 'doMock', 'dontMock', 'isolateModules', 'isolateModulesAsync', 'resetModules', 'requireActual', 'requireMock', 'createMockFromModule', 'useFakeTimers', 'useRealTimers', 'advanceTimersByTime', 'runAllTimers']) {
  jest[name] = unsupported(name);
}

Object.assign(globalThis, {
  describe,
  xdescribe: describe.skip,
  fdescribe: describe.only,
  it,
  test: it,
  xit: it.skip,
  xtest: it.skip,
  fit: it.only,
  beforeAll: hook(nodeTest.before),
  afterAll: hook(nodeTest.after),
  beforeEach: hook(nodeTest.beforeEach),
  afterEach: hook(nodeTest.afterEach),
  expect,
  jest,
});
