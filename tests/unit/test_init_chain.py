"""Steps joined for one shell keep their folders: a `cd` in one step does not move the steps after it."""

from __future__ import annotations

import subprocess

from echotune_ci.project.commands import chain


def test_a_step_that_enters_a_folder_runs_in_a_subshell_when_steps_follow():
    assert chain(["cd backend && npx tsc", "npm run build --prefix frontend"]) == (
        "(cd backend && npx tsc) && npm run build --prefix frontend")
    # a chain with a cd inside, and one already in a subshell
    assert chain(["npm ci && cd client && npm ci", "npm ci --prefix server"]) == (
        "(npm ci && cd client && npm ci) && npm ci --prefix server")
    assert chain(["(cd backend && npx prisma generate)", "npm run build"]) == (
        "(cd backend && npx prisma generate) && npm run build")
    # the last step may keep its cd; blank steps go; no cd, no parentheses
    assert chain(["npm run build", "", "cd backend && npx tsc"]) == "npm run build && cd backend && npx tsc"
    assert chain(["pip install -r requirements.txt", "flask db upgrade"]) == (
        "pip install -r requirements.txt && flask db upgrade")
    assert chain(["echo 'cd x' && true", "pwd"]) == "echo 'cd x' && true && pwd"


def test_the_shell_runs_each_step_in_its_own_folder(tmp_path):
    for folder in ("backend", "frontend"):
        (tmp_path / folder).mkdir()
    line = chain(["cd backend && pwd > ../first", "cd frontend && pwd > ../second"])
    subprocess.run(["/bin/sh", "-c", line], cwd=tmp_path, check=True)
    assert (tmp_path / "first").read_text().strip().endswith("/backend")
    assert (tmp_path / "second").read_text().strip().endswith("/frontend")
