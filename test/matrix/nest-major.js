// Which Nest major a matrix process loads. Nest 11 is the project's own devDependency (the root
// node_modules); Nest 12 lives in test/matrix/nest12/, installed apart (`npm ci --prefix`), since
// one node_modules holds one version of a package. Every `@nestjs/*` request from outside that
// folder is answered from it when AR_NEST_MAJOR=12; inside it, Node's own resolution already
// finds Nest 12's siblings.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const NEST12_DIR = path.join(__dirname, 'nest12');

const FOLDERS = {
  11: root,
  12: NEST12_DIR,
};

function nestMajor() {
  const major = process.env.AR_NEST_MAJOR ?? '11';
  if (!(major in FOLDERS)) throw new Error(`AR_NEST_MAJOR=${major}: the Nest matrix knows majors ${Object.keys(FOLDERS).join(', ')}`);
  return Number(major);
}

/** The folder whose node_modules answers `@nestjs/*` for this process, checked to hold that major. */
function nestFolder(major = nestMajor()) {
  const folder = FOLDERS[major];
  const manifest = path.join(folder, 'node_modules', '@nestjs', 'core', 'package.json');
  if (!fs.existsSync(manifest)) {
    throw new Error(`Nest ${major} is not installed in ${path.relative(root, folder) || '.'}: run \`npm ci --omit=peer --prefix ${path.relative(root, folder)}\``);
  }
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  if (Number(version.split('.')[0]) !== major) throw new Error(`${manifest} is @nestjs/core ${version}, not Nest ${major}`);
  return folder;
}

/** Installed versions of the @nestjs packages the matrix uses, for the run's header. */
function nestVersions(major) {
  const folder = nestFolder(major);
  const versions = {};
  for (const name of ['common', 'core', 'testing', 'platform-express', 'terminus']) {
    const manifest = path.join(folder, 'node_modules', '@nestjs', name, 'package.json');
    if (fs.existsSync(manifest)) versions[`@nestjs/${name}`] = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  }
  return versions;
}

const isNestRequest = (request) => request.startsWith('@nestjs/');
const isInside = (folder, file) => !path.relative(folder, file).startsWith('..');

module.exports = { NEST12_DIR, nestMajor, nestFolder, nestVersions, isNestRequest, isInside, root };
