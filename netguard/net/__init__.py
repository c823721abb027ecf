"""The auditor's own view of the network: the sweep of the segments it is on (``discover``).
Plain data out (``model.Sweep``); the verdicts are ``checks/network.py``'s."""

from __future__ import annotations

from netguard.net.discover import RawSocketsNotPermitted, legs_of, sweep

__all__ = ["RawSocketsNotPermitted", "legs_of", "sweep"]
