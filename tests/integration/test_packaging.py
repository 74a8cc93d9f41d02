"""A built wheel carries every module, the templates, the schema and the data (pip install . finds them)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_templates_and_schema_and_they_load(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("echotune_ci-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.split("echotune_ci/templates/", 1)[1] for n in names
               if n.startswith("echotune_ci/templates/")}
    in_repo = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert in_repo <= shipped
    assert "echotune_ci/schema/result-1.0.json" in names
    # every module and data file of the package (pyproject lists the packages one by one)
    package = ROOT / "echotune_ci"
    sources = {p.relative_to(ROOT).as_posix() for p in package.rglob("*")
               if p.is_file() and p.suffix in (".py", ".json", ".typed") and "__pycache__" not in p.parts}
    assert sources <= set(names), sorted(sources - set(names))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    code = (
        "import echotune_ci, echotune_ci.results as r\n"
        "from echotune_ci.report.markdown import render_comment\n"
        "print(echotune_ci.__file__)\n"
        "print(r.schema()['title'])\n"
        "print(render_comment([r.PhaseResult('load')]).splitlines()[0])\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c",
                          f"import sys; sys.path.insert(0, {str(site)!r})\n" + code],
                         cwd=tmp_path, capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].startswith(str(site))
    assert out[1] == "EchoTune CI phase result"
    assert out[2] == "<!-- echotune-ci:report -->"
