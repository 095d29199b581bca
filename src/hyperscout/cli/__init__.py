"""The ``hyperscout`` command line (nnictl's verbs): create, resume, stop, experiment,
trial, log, top. ``main(argv)`` runs it and returns the exit status."""

from ._main import main

__all__ = ["main"]
