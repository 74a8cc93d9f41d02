"""Errors a user can cause. Each carries its exit code; the CLI prints one line."""

from __future__ import annotations


class EchoTuneError(Exception):
    """Base class: a one-line message for the user and an exit code."""

    exit_code = 3

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(EchoTuneError):
    """Bad configuration or usage (exit 2)."""

    exit_code = 2


class InputError(EchoTuneError):
    """A file the user handed us is missing, not JSON or not our schema (exit 2)."""

    exit_code = 2


class RunError(EchoTuneError):
    """A phase could not run: target down, tool missing, service failing (exit 3)."""

    exit_code = 3


class Terminated(KeyboardInterrupt):
    """SIGTERM (how CI cancels a job), handled like Ctrl-C: the app is stopped, the exit code is 143."""


EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_COULD_NOT_RUN = 3
