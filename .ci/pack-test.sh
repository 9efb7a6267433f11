#!/usr/bin/env bash
# Prove that the package works as users get it, from `npm pack` and from a git install of a clean
# clone: compiled JavaScript, declarations and docs only; `exports`/`types`/`typesVersions` right;
# a Nest 11 and a Nest 12 application (CommonJS and ES module), each with the coordinator
# configured and a unit committed across two databases; and a script without Nest that uses
# `nestjs-activerecord/core`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf '[pack-test] %s\n' "$*"; }
started=$SECONDS

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -n 1)
log "packed $tarball (npm pack runs the prepare build)"

# Only compiled output and docs may ship: no TypeScript sources, tests or configuration.
contents=$(tar -tzf "$work/$tarball")
if echo "$contents" | grep -vE '^package/(dist/.*\.(js|d\.ts)|README\.md|LICENSE|package\.json|docs/.*\.md|bench/README\.md)$' | grep .; then
  log "unexpected files in the package (listed above)"; exit 1
fi
for required in dist/index.js dist/index.d.ts dist/core.js dist/core.d.ts LICENSE README.md docs/ARCHITECTURE.md; do
  echo "$contents" | grep -qx "package/$required" || { log "$required missing from the package"; exit 1; }
done

# Every relative link of every shipped document leads to a file the package contains.
mkdir -p "$work/unpacked" && tar -xzf "$work/$tarball" -C "$work/unpacked"
node - "$work/unpacked/package" <<'NODE'
const fs = require('node:fs');
const path = require('node:path');
const root = process.argv[2];
const broken = [];
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
for (const file of walk(root).filter((f) => f.endsWith('.md'))) {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^([a-z]+:|#)/i.test(target)) continue;
    const local = path.resolve(path.dirname(file), decodeURI(target.split('#')[0]));
    if (!fs.existsSync(local)) broken.push(`${path.relative(root, file)} -> ${target}`);
  }
}
if (broken.length) {
  console.error(`[pack-test] links that lead outside the package:\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
NODE
log "contents and document links ok"

expect_result() { # label, output, expected JSON
  local label=$1 output=$2 expected=$3
  echo "$output" | grep -qF "PACK-RESULT $expected" || { log "unexpected output from the $label app (wanted PACK-RESULT $expected):"; echo "$output"; exit 1; }
  log "$label app ran: ${expected}"
}

NEST_RESULT='{"id":1,"text":"packed and installed","count":1,"archived":1,"missing":true,"connection":"notes","inDoubt":0,"health":"up"}'

run_nest_app() { # directory, label
  local app=$1 label=$2
  log "compiling the $label app with strict TypeScript"
  (cd "$app" && "$root/node_modules/.bin/tsc" -p tsconfig.json)
  expect_result "$label" "$(cd "$app" && node dist/main.js)" "$NEST_RESULT"
}

nest_app() { # major, where the package comes from
  local nest=$1 source=$2 app="$work/app-nest$1"
  mkdir -p "$app"
  cp -r "$root/.ci/pack-app/src" "$root/.ci/pack-app/tsconfig.json" "$app/"
  # Nest 12 is ESM-only: a CommonJS app reaches it through Node's require(esm) (Node >= 20.19),
  # which TypeScript accepts under module "nodenext".
  [ "$nest" = 12 ] && sed -i 's/"node16"/"nodenext"/g' "$app/tsconfig.json"
  cat > "$app/package.json" <<JSON
{
  "name": "pack-test-nest$nest",
  "private": true,
  "dependencies": {
    "nestjs-activerecord": "$source",
    "@nestjs/common": "^$nest.0.0",
    "@nestjs/core": "^$nest.0.0",
    "reflect-metadata": "^0.2.0",
    "rxjs": "^7.8.0",
    "@types/node": "^20.0.0"
  },
  "allowScripts": { "better-sqlite3": true, "nestjs-activerecord": true }
}
JSON
  log "installing nestjs-activerecord ($source) into a fresh Nest $nest app"
  (cd "$app" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  run_nest_app "$app" "Nest $nest (CommonJS)"
}

# Nest 11 from the packed tarball.
nest_app 11 "file:../$tarball"

# Nest 12 from a git install of a clean clone: npm clones it, installs its devDependencies and
# runs its prepare build, as `npm install github:owner/repo` does.
git clone --quiet "$root" "$work/clone"
log "cloned $(git -C "$work/clone" rev-parse --short HEAD) for the git install"
nest_app 12 "git+file://$work/clone"
esm="$work/app-nest12/esm"
mkdir -p "$esm"
cp -r "$work/app-nest12/src" "$work/app-nest12/tsconfig.json" "$esm/"
echo '{ "name": "pack-test-nest12-esm", "private": true, "type": "module" }' > "$esm/package.json"
ln -s ../node_modules "$esm/node_modules"
run_nest_app "$esm" "Nest 12 (ES module)"

# A script without Nest: the optional peers stay uninstalled, and the core needs none of them.
free="$work/app-nest-free"
mkdir -p "$free/src"
cp "$root/.ci/pack-app/nest-free/main.ts" "$free/src/" && cp "$root/.ci/pack-app/nest-free/tsconfig.json" "$free/"
cat > "$free/package.json" <<JSON
{
  "name": "pack-test-nest-free",
  "private": true,
  "dependencies": { "nestjs-activerecord": "file:../$tarball", "reflect-metadata": "^0.2.0", "@types/node": "^20.0.0" },
  "allowScripts": { "better-sqlite3": true }
}
JSON
log "installing the package into a project without Nest"
(cd "$free" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
[ ! -e "$free/node_modules/@nestjs" ] || { log "installing the package pulled in @nestjs: $(ls "$free/node_modules/@nestjs")"; exit 1; }
(cd "$free" && "$root/node_modules/.bin/tsc" -p tsconfig.json)
expect_result "Nest-free (moduleResolution node)" "$(cd "$free" && node dist/main.js)" '{"jobs":["send-mail"],"nest":[]}'

log "ok ($((SECONDS - started)) s)"
