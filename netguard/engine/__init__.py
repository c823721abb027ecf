"""The audit engine: evaluating a policy over one host's facts (evaluate), and running an audit
over many hosts (runner)."""

from netguard.engine.evaluate import evaluate

__all__ = ["evaluate"]
