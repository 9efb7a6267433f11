// Tests that restart the database servers. They run alone (npm test runs them with --runInBand
// after the main suite), since a restart breaks every other connection to the servers.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/disruptive'],
  testPathIgnorePatterns: [],
};
