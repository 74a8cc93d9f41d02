#!/usr/bin/env bash
# The test suite: set up (idempotent), the quality gates (ruff, mypy, the
# public-docstring floor), then the unit tests (no servers, no browser) and the
# integration tests (real servers, a real browser) in one session of three
# processes. The files that build the examples in place or gate latency run one
# after another in one of them, at the normal priority; the two others run
# everything else at a lower one (nice 5) and fill the time the measuring tests
# leave the CPU idle: see MEASURING and OTHER_LANES_NICENESS in
# tests/conftest.py. 2026-12-05, a fresh clone on 2 cores: 3,525 tests in 8.2 min
# (495 s, with three load files that time nothing moved out of the measuring
# group; 560-627 s before; the three processes end within seconds of each
# other, so only less work makes it shorter), where unit tests first (3
# processes) and then integration tests (2) took 1.2 + 9.4 min on 2026-12-02.
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
echo "unit and integration tests"
"${pytest[@]}" -n 3 --dist loadgroup --durations=15 tests/unit tests/integration
