"""The command line: ``main`` (cli/main.py) and one module per family of verbs — audit,
documents, history, inputs, inspection — with the options they share (cli/options.py) and the
signing options (cli/signing.py). It orchestrates and reports; it computes nothing itself."""

from netguard.cli.main import main

__all__ = ["main"]
