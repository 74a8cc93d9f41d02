"""The integration suite's xdist grouping names real files (a renamed file must not lose its group)."""

from pathlib import Path

from conftest import MEASURING

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"


def test_every_measuring_file_exists():
    assert sorted(MEASURING - {p.name for p in INTEGRATION.glob("test_*.py")}) == []

