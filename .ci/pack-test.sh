#!/usr/bin/env bash
# Prove that `npm pack` produces a package a fresh Nest app installs and uses as it is: compiled
# JavaScript and declarations only, `exports`/`types` right, working under Nest 11 and Nest 12.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf '[pack-test] %s\n' "$*"; }

cd "$root"
npm run build --silent
tarball=$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -n 1)
log "packed $tarball"

# Only compiled output and docs may ship: no TypeScript sources, tests or configuration.
contents=$(tar -tzf "$work/$tarball")
if echo "$contents" | grep -vE '^package/(dist/.*\.(js|d\.ts)|README\.md|package\.json|LICENSE)$' | grep .; then
  log "unexpected files in the package (listed above)"; exit 1
fi
echo "$contents" | grep -q '^package/dist/index.d.ts$' || { log "dist/index.d.ts missing"; exit 1; }

# Nest 12 is ESM-only: a CommonJS app reaches it through Node's require(esm) (Node >= 20.19),
# which TypeScript accepts under module "nodenext"; an ESM app imports this CommonJS package.
run_app() { # directory, label
  local app=$1 label=$2 output
  log "compiling the $label app with strict TypeScript"
  (cd "$app" && "$root/node_modules/.bin/tsc" -p tsconfig.json)
  output=$(cd "$app" && node dist/main.js)
  echo "$output" | grep -q 'PACK-RESULT {"id":1,"text":"packed and installed","count":1,"missing":true,"connection":"notes"}' || {
    log "unexpected output from the $label app:"; echo "$output"; exit 1;
  }
  log "$label app ran: ${output#PACK-RESULT }"
}

for nest in 11 12; do
  app="$work/app-nest$nest"
  mkdir -p "$app"
  cp -r "$root/.ci/pack-app/src" "$root/.ci/pack-app/tsconfig.json" "$app/"
  [ "$nest" = 12 ] && sed -i 's/"node16"/"nodenext"/g' "$app/tsconfig.json"
  cat > "$app/package.json" <<JSON
{
  "name": "pack-test-nest$nest",
  "private": true,
  "dependencies": {
    "nestjs-activerecord": "file:../$tarball",
    "@nestjs/common": "^$nest.0.0",
    "@nestjs/core": "^$nest.0.0",
    "reflect-metadata": "^0.2.0",
    "rxjs": "^7.8.0",
    "@types/node": "^20.0.0"
  },
  "allowScripts": { "better-sqlite3": true }
}
JSON
  log "installing the package into a fresh Nest $nest app"
  (cd "$app" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  run_app "$app" "Nest $nest (CommonJS)"
done

esm="$work/app-nest12/esm"
mkdir -p "$esm"
cp -r "$work/app-nest12/src" "$work/app-nest12/tsconfig.json" "$esm/"
echo '{ "name": "pack-test-nest12-esm", "private": true, "type": "module" }' > "$esm/package.json"
ln -s ../node_modules "$esm/node_modules"
run_app "$esm" "Nest 12 (ES module)"
log "ok"
