"""What an earlier build left in the head's checkout, git neither tracking nor ignoring it, that the base's
build writes too: saaspegasus/django-vite-tailwind-starter's ``static_root/`` (collectstatic's copy of the
Vite bundles and Django admin's files) was in the head's checkout from the run before, Tailwind's scan read
it, and the head's style.css came out at 9,773 bytes where a clean build gives 5,097 (+102 % against the
base in the run's table, whose real rerun named ``static_root/`` in this warning)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from echotune_ci.baseref.checkout import dirty_paths, earlier_build_outputs
from echotune_ci.baseref.sidebyside import _earlier_outputs_said


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def project(tmp_path: Path) -> tuple[Path, Path]:
    head = tmp_path / "head"
    (head / "static").mkdir(parents=True)
    (head / "manage.py").write_text("")
    (head / ".gitignore").write_text("static/css/\n")
    (head / "vendor").mkdir()
    (head / "vendor" / "lib.js").write_text("x")
    git(head, "init", "-q")
    git(head, "add", ".")
    git(head, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "base")
    base = tmp_path / "base"
    git(head, "worktree", "add", "-q", "--detach", str(base), "HEAD")
    # the head's checkout after an earlier run: collectstatic's folder, a note of the user's, a file
    # removed from git in the head but tracked in the base (vendor/lib.js)
    (head / "static_root" / "admin").mkdir(parents=True)
    (head / "static_root" / "admin" / "base.css").write_text(".a{}")
    (head / "notes.txt").write_text("todo")
    git(head, "rm", "-q", "--cached", "vendor/lib.js")
    # the base's build: collectstatic writes static_root/ there too
    (base / "static_root").mkdir()
    (base / "static_root" / "manifest.json").write_text("{}")
    return head, base


def test_the_folder_both_builds_write_is_named(tmp_path):
    head, base = project(tmp_path)
    _, untracked = dirty_paths(head)
    assert sorted(untracked) == ["notes.txt", "static_root/", "vendor/"]
    assert earlier_build_outputs(head, untracked, head, base) == ["static_root/"]


def test_a_database_is_data_not_an_earlier_build(tmp_path):
    # An untracked SQLite database an earlier run left, which the data module copies to the base (so the
    # base's checkout has it too): it was named an earlier build's output beside the note of its copy.
    head, base = project(tmp_path)
    (head / "db.sqlite3").write_bytes(b"SQLite format 3\x00")
    (base / "db.sqlite3").write_bytes(b"SQLite format 3\x00")  # the copy
    _, untracked = dirty_paths(head)
    assert earlier_build_outputs(head, untracked, head, base) == ["db.sqlite3", "static_root/"]
    assert earlier_build_outputs(head, untracked, head, base, ["db.sqlite3"]) == ["static_root/"]


def test_the_warning_names_it_and_says_what_to_do(tmp_path):
    head, base = project(tmp_path)
    [said] = _earlier_outputs_said(head, dirty_paths(head)[1], head, base, [], [])
    assert said.startswith("static_root/: an earlier build's output in the head's checkout (the base's build "
                           "writes it too) that git does not ignore: ")
    assert said.endswith("add it to .gitignore")


def test_a_clean_checkout_says_nothing(tmp_path):
    head, base = project(tmp_path)
    (head / ".gitignore").write_text("static/css/\nstatic_root/\nnotes.txt\n")
    assert _earlier_outputs_said(head, dirty_paths(head)[1], head, base, [], []) == []


def test_the_warning_goes_on_every_phase_the_bundles_first():
    # pair 3 of the trial (npm i of @tailwindcss/vite): the head's static/js/hello-bundle.js of an earlier
    # build was counted by the bundle's globs on its side only (+241 % gzip, FAIL), and the warning was on
    # the load phase alone, where the apps' data warnings go
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.report.layout import Places, collect_warnings
    from echotune_ci.results import PhaseResult

    said = "static/, static_root/: an earlier build's output in the head's checkout"
    data = "the head has an untracked SQLite database, db.sqlite3, that the base lacks"
    report = sidebyside.SideBySide(warnings=[data], build_warnings=[said])
    pairs = [Pair(PhaseResult(phase=name)) for name in ("security", "load", "bundle")]
    results = sidebyside._annotate(pairs, report, sidebyside.BaseOptions(ref="HEAD"), [False, True, False],
                                   [False] * 3)
    assert [r.warnings for r in results] == [[said], [said, data], [said]]
    shown = collect_warnings(results, Places.of(results))
    assert [(w.phase, w.text) for w in shown] == [("security, load, bundle", said), ("load", data)]
    assert report.to_dict()["warnings"] == [said, data]


def test_the_settings_the_run_copied_into_the_base_are_no_build_of_its_own(tmp_path):
    """microblog in a pull request's checkout with an untracked ``.env`` (git does not ignore it there):
    the run copies it into the base's checkout ("copied the head's untracked .env into the base's
    checkout") and then warned, in the same run, that ``.env`` was an earlier build's output the base's
    build writes too. What copy_dotenv put there is no build's; what the base's build wrote still is."""
    from echotune_ci.baseref.data import copy_dotenv

    head, base = project(tmp_path)
    (head / ".env").write_text("SECRET_KEY=x\n")
    (head / ".flaskenv").write_text("FLASK_APP=app.py\n")
    placed = copy_dotenv(head, base, [head])
    assert placed == [".env", ".flaskenv"]
    assert (base / ".env").read_text() == "SECRET_KEY=x\n"
    _, untracked = dirty_paths(head)
    assert sorted(untracked) == [".env", ".flaskenv", "notes.txt", "static_root/", "vendor/"]
    assert earlier_build_outputs(head, untracked, head, base, (), placed) == ["static_root/"]
    assert earlier_build_outputs(head, untracked, head, base) == [".env", ".flaskenv", "static_root/"]
