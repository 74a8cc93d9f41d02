"""EchoTune CI: a CI toolkit that checks every pull request of a web project."""

__version__ = "0.1.0"
