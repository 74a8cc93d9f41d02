"""The registries agree with what they list: phases, their settings and commands, checks, report formats."""

from __future__ import annotations

import dataclasses
import importlib
import re
import typing
from pathlib import Path

import click
import pytest

from echotune_ci.cli import COMMANDS
from echotune_ci.config import Config, defaults
from echotune_ci.phases.load.settings import LoadSettings
from echotune_ci.phases.registry import PHASE_NAMES, PHASES, get_phase, phase_settings
from echotune_ci.phases.security.checks import CHECKS, get_check
from echotune_ci.report.formats import FORMATS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", PHASE_NAMES)
def test_each_phase_is_registered_everywhere_it_must_be(name):
    phase = get_phase(name)
    assert phase.name == name
    # its section is a field of Config, of the type the phase reads
    hints = typing.get_type_hints(Config)
    assert hints[name] is phase.settings_type
    assert isinstance(phase_settings(defaults(), phase), phase.settings_type)
    # its command exists and is listed with the registry's summary
    module, summary = COMMANDS[name]
    assert isinstance(importlib.import_module(module).command, click.Command)
    assert summary == next(p.summary for p in PHASES if p.name == name)
    # the composite action accepts it as a command
    action = (ROOT / "action.yml").read_text()
    case = re.search(r'^\s*([a-z|]+)\)\n\s*cmd=\("\$\{ECHOTUNE_CI:-echotune-ci\}" "\$ECHOTUNE_STEP_COMMAND"',
                     action, re.M)
    assert case is not None and name in case.group(1).split("|")


def test_config_sections_are_the_shared_ones_plus_one_per_phase():
    sections = {f.name for f in dataclasses.fields(Config)} - {"path", "base_dir"}
    shared = {"project", "serve", "run", "budgets", "gate", "report", "github", "research", "propose"}
    assert sections == shared | set(PHASE_NAMES)


def test_a_settings_mismatch_is_caught():
    class Mislabelled:  # claims [bundle] but reads the load settings
        name, settings_type, needs_app = "bundle", LoadSettings, True

    with pytest.raises(TypeError, match=r"\[bundle\] is a BundleSettings, the phase reads LoadSettings"):
        phase_settings(defaults(), Mislabelled())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(CHECKS))
def test_each_security_check_is_named_as_registered(name):
    assert get_check(name).name == name


def test_report_formats_are_named_as_registered():
    assert all(f.name == name for name, f in FORMATS.items())
    written = {f.file_name for f in FORMATS.values() if f.file_name}
    assert written == {"comment.md", "summary.md", "report.json", "index.html"}
