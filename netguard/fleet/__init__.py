"""Fleet analysis: what only the hosts of one run together can show (CHECKS.md
media.cross_network — the same USB stick on an isolated machine and on an internet machine).

Pure: the engine keeps a small ``MediaSummary`` per host while it evaluates (facts are dropped
after each host) and calls ``cross_network`` once every host is done; the verdicts replace the
per-host stand-in findings of ``media.cross_network``. The internet machines of the previous
complete run (``earlier_sightings``, from the history) are matched too.
"""

from netguard.fleet.media import (
    MediaSummary,
    SeenDevice,
    cross_network,
    earlier_sightings,
    summarize,
)

__all__ = ["MediaSummary", "SeenDevice", "cross_network", "earlier_sightings", "summarize"]
