"""The load phase: a headless locust test against the app, run in child processes."""
