#!/usr/bin/env bash
# The main job: set up (idempotent), then run the full EchoTune CI check
# against a bundled example app: examples/musicapp (Flask) by default,
# examples/musicapp-node (Express + React/Vite) with ECHOTUNE_EXAMPLE=node.
# ECHOTUNE_REGRESS=1 makes the app regress on purpose so you can see a failing
# gate. Extra arguments go to `run`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

# A throw-away Redis for the app's recommendation cache, so the load phase can
# report the cache hit ratio. Stopped on exit, whatever happens.
redis_dir=$(mktemp -d)
cleanup() {
  if [ -n "${redis_pid:-}" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$redis_dir"
}
trap cleanup EXIT
redis_port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
# The example app's demo account, for the auth probes of the security phase,
# and a signing key shared by the app and the expired-token probe (fresh each run).
export ECHOTUNE_AUTH_USERNAME=demo ECHOTUNE_AUTH_PASSWORD=demo-password
MUSICAPP_JWT_SECRET=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
export MUSICAPP_JWT_SECRET
case "${ECHOTUNE_EXAMPLE:-flask}" in
  flask) example=examples/musicapp advisories=../shared/advisory-db ;;
  node) example=examples/musicapp-node advisories=../shared/advisory-db-npm ;;
  *) echo "demo: ECHOTUNE_EXAMPLE must be flask or node, not '${ECHOTUNE_EXAMPLE}'" >&2; exit 2 ;;
esac
# Audit offline when an advisory-database copy (OSV records: PyPA's for the
# Flask example, npm's for the Node one) sits beside the checkout; otherwise
# the audit asks PyPI or the OSV API online.
if [ -z "${ECHOTUNE_ADVISORY_DB:-}" ] && [ -d "$advisories/vulns" ]; then
  export ECHOTUNE_ADVISORY_DB="$PWD/$advisories"
fi
export ECHOTUNE_REDIS_URL="$REDIS_URL"

set +e
.venv/bin/echotune-ci run --config "$example/echotune.toml" --output-dir results/ "$@"
status=$?
set -e
echo "PR comment preview: results/report/comment.md"
exit "$status"
