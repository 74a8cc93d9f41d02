#!/usr/bin/env bash
# The test suite: set up (idempotent), the quality gates (ruff, mypy, the
# public-docstring floor), the unit tests (no servers, no browser; three
# processes: many wait on a child `echotune-ci`, so a third keeps both cores
# busy, 72 -> 58 s on 2 cores) and the integration tests (real servers, a real browser; two
# processes, where the files that build the examples in place or gate latency
# run one after another in one of them: see MEASURING in tests/conftest.py).
# Extra arguments go to pytest instead, e.g.
#   ./scripts/test.sh tests/unit -n 3     # the unit tests alone
#   ./scripts/test.sh tests/integration/test_run.py
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

pytest=(.venv/bin/python -m pytest -q -p no:cacheprovider)
if [ "$#" -gt 0 ]; then
  exec "${pytest[@]}" "$@"
fi
echo "quality gates: ruff, mypy, interrogate"
.venv/bin/ruff check --quiet .
.venv/bin/mypy
.venv/bin/interrogate echotune_ci
echo "unit tests"
"${pytest[@]}" -n 3 tests/unit
echo "integration tests"
"${pytest[@]}" -n 2 --dist loadgroup --durations=15 tests/integration
