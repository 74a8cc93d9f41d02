#!/usr/bin/env bash
# Idempotent set-up shared by the README commands: Debian packages the real
# checks need, a virtualenv in .venv and the package with every extra. The
# example apps get environments of their own from their [serve] setup, never
# this one.
set -euo pipefail
cd "$(dirname "$0")/.."

# On a terminal show what happens; in CI logs only the output of a failure.
quiet() {
  if [ -t 1 ]; then "$@"; return; fi
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# PostgreSQL for the database tests ([load.database]: pg_stat_statements ships in the server package).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v git >/dev/null 2>&1 || missing+=(git)
# The Node example (examples/musicapp-node) and JavaScript projects' setup steps.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The deploy phase lints the deployment scripts with shellcheck (hadolint comes as a wheel).
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  quiet $sudo apt-get update -qq
  quiet $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$python" -m venv .venv
fi

# Reinstall only when the dependency list changed.
stamp=.venv/.echotune-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing echotune-ci and its dependencies into .venv"
  quiet .venv/bin/python -m pip install -q --upgrade pip
  quiet .venv/bin/python -m pip install -q -e '.[all,test]'
  echo "$want" > "$stamp"
fi
