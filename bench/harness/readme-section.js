'use strict';
const fs = require('node:fs');

/**
 * Replace what stands between `start` and `end` (two HTML comments) in a README with `markdown`.
 * Returns false, changing nothing, when the file has no such section.
 */
function replaceReadmeSection(file, start, end, markdown) {
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return false;
  fs.writeFileSync(file, `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`);
  return true;
}

module.exports = { replaceReadmeSection };
