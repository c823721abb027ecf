"""A drawn sample as the inspector sees it before any host is contacted (``spot-check --plan``),
and as the record describes it."""

from __future__ import annotations

import json

from netguard.render.text import clean
from netguard.spotcheck.record import SamplingMethod, StratumRow, rederive_command
from netguard.spotcheck.sample import Sample


def sampling_method(sample: Sample) -> SamplingMethod:
    """How the sample was drawn, as the inspection record states it."""
    return SamplingMethod(
        population=sample.population,
        requested=str(sample.requested),
        by=sample.by,
        seed=sample.seed,
        algorithm=sample.algorithm,
        min_per_stratum=sample.min_per_stratum,
        strata=tuple(StratumRow(s.name, s.population, len(s.hosts)) for s in sample.strata),
        grown=sample.grown,
    )


def plan_text(sample: Sample, inventory_path: str, fmt: str = "table") -> str:
    """The sample, its strata and the command that draws it again (``json``: sample.to_dict)."""
    if fmt == "json":
        return json.dumps(sample.to_dict(), ensure_ascii=False, indent=1) + "\n"
    by = f", by {sample.by}" if sample.by else ""
    lines = [
        f"sample: {sample.size} of {sample.population} hosts{by}; seed {sample.seed!r}",
        f"algorithm: {sample.algorithm}",
    ]
    if sample.grown:
        lines.append(
            f"note: the minimum of {sample.min_per_stratum} per stratum makes the sample "
            f"{sample.size} hosts, more than the {sample.target} asked"
        )
    if sample.capped:
        lines.append("note: more hosts were asked than the inventory has: every host is drawn")
    for s in sample.strata:
        names = ", ".join(clean(n) for n in s.hosts) or "-"
        lines.append(f"  {clean(s.label)} ({len(s.hosts)} of {s.population}): {names}")
    lines.append("the same seed and inventory draw the same sample:")
    lines.append("  " + rederive_command(sampling_method(sample), inventory_path))
    return "\n".join(lines) + "\n"
