"""How long `echotune-ci --help` takes (target: under 0.3 s).

Run: .venv/bin/python bench/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXE = Path(sys.executable).parent / "echotune-ci"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for argv in (["--help"], ["--version"], ["gate", "--help"]):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(EXE), *argv], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        print(f"echotune-ci {' '.join(argv):<14} median {statistics.median(times) * 1000:6.1f} ms  "
              f"max {max(times) * 1000:6.1f} ms  ({args.runs} runs)")


if __name__ == "__main__":
    main()
