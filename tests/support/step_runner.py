"""Run a workflow's or an action's ``run:`` steps the way the GitHub runner does.

Each step's script goes to a file run with ``bash --noprofile --norc -eo
pipefail`` (the runner's bash shell); its ``env:`` and ``working-directory:``
are resolved from ``inputs.*``, ``github.*`` (with the event) and earlier
steps' outputs; each step gets its own GITHUB_OUTPUT file. A step's ``if:`` is
evaluated too (terms joined by ``&&``: ``always()``, ``X == 'v'``, ``X != 'v'``),
so a step the runner skips is skipped here. An expression this runner cannot
evaluate fails the test, so files keep to simple ones.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_COMPARISON = re.compile(r"^([\w.-]+)\s*(==|!=)\s*'([^']*)'$")


def parse_outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, delimiter = line.split("<<", 1)
            out[key] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


class StepRunner:
    def __init__(self, workspace: Path, *, inputs: dict[str, str], env: dict[str, str], event: dict[str, Any],
                 github: dict[str, str]):
        self.workspace = workspace
        self.inputs = inputs
        self.env = env
        self.event = event
        self.github = github
        self.outputs: dict[str, dict[str, str]] = {}
        self.logs: list[str] = []
        self.tmp = workspace.parent / "runner"
        self.tmp.mkdir(exist_ok=True)

    def lookup(self, expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.resolve(self.inputs[parts[1]])
        if parts[:2] == ["github", "event"]:
            value: Any = self.event
            for key in parts[2:]:
                value = value.get(key, "") if isinstance(value, dict) else ""
            return "" if value is None else str(value)
        if parts[0] == "github" and len(parts) == 2:
            return self.github[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"an expression this test cannot evaluate: {expr}")

    def resolve(self, text: Any) -> str:
        return _EXPRESSION.sub(lambda m: self.lookup(m.group(1)), str(text))

    def condition(self, text: str) -> bool:
        """A step's ``if:``: terms joined by ``&&``, each ``always()`` or a comparison with a string."""
        held = True
        for term in _EXPRESSION.sub(lambda m: m.group(1), str(text)).split("&&"):
            term = term.strip()
            if term == "always()":
                continue
            match = _COMPARISON.match(term)
            if match is None:
                raise AssertionError(f"a condition this test cannot evaluate: {term}")
            value = self.lookup(match.group(1))
            held = held and ((value == match.group(3)) == (match.group(2) == "=="))
        return held

    def run_step(self, index: int, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        output = self.tmp / f"output-{index}"
        output.write_text("")
        script = self.tmp / f"step-{index}.sh"
        script.write_text(step["run"])
        env = dict(self.env)
        env.update({k: self.resolve(v) for k, v in (step.get("env") or {}).items()})
        env["GITHUB_OUTPUT"] = str(output)
        cwd = self.workspace / self.resolve(step.get("working-directory", "."))
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
        self.logs.append(proc.stdout + proc.stderr)
        if step.get("id"):
            self.outputs[step["id"]] = parse_outputs(output.read_text())
        return proc

    def run_steps(self, steps: list[dict[str, Any]],
                  skip_ids: tuple[str, ...] = ()) -> list[subprocess.CompletedProcess[str]]:
        """Run the ``run:`` steps in order; like the runner, stop at the first failing one."""
        done = []
        for i, step in enumerate(steps):
            if "run" not in step or step.get("id") in skip_ids:
                continue
            if "if" in step and not self.condition(step["if"]):
                continue
            proc = self.run_step(i, step)
            done.append(proc)
            if proc.returncode != 0:
                break
        return done
