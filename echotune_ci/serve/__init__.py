"""Starting the app under test on 127.0.0.1 and stopping it, whatever happens."""

from .app import App, free_port, held_on, serve_settings

__all__ = ["App", "free_port", "held_on", "serve_settings"]
