"""Phases: one package each (``security``, ``bundle``, ``frontend``, ``load``).

``base`` holds the :class:`~echotune_ci.phases.base.Phase` protocol and the
context a phase runs in; ``registry`` lists the phases `run` drives. This
package imports nothing heavy: each phase imports its libraries inside
``run``.
"""
