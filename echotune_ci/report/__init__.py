"""Renderers: the gate's outcome as the PR comment, job summary, annotations, SARIF, JSON
and HTML (``formats.FORMATS``). They format; they never measure."""
