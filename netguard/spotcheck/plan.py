"""A drawn sample as the inspector sees it before any host is contacted (``spot-check --plan``),
and as the record describes it."""

from __future__ import annotations

import json

from netguard.i18n import Catalog, catalog
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
        limit=sample.limit,
        inventory_hosts=sample.inventory_hosts,
    )


def plan_text(
    sample: Sample, inventory_path: str, fmt: str = "table", t: Catalog | None = None
) -> str:
    """The sample, its strata and the command that draws it again, in t's language (default
    English); ``json``: sample.to_dict."""
    if fmt == "json":
        return json.dumps(sample.to_dict(), ensure_ascii=False, indent=1) + "\n"
    t = t or catalog("en")
    k = "terminal.plan."
    algorithm_id = sample.algorithm.split(" ", 1)[0]
    by = t(k + "by", by=t.get(f"record.by.{sample.by}", sample.by)) if sample.by else ""
    lines = [
        t(k + "sample", size=sample.size, population=sample.population, by=by,
          seed=repr(sample.seed)),
        t(k + "algorithm", algorithm=t.get(f"record.method.algorithms.{algorithm_id}",
                                          sample.algorithm)),
    ]  # fmt: skip
    if sample.limit:
        patterns = t("common.list_separator").join(clean(p) for p in sample.limit)
        lines.insert(
            1,
            t(k + "limit", population=sample.population, registered=sample.inventory_hosts,
              patterns=patterns),
        )  # fmt: skip
    if sample.grown:
        lines.append(
            t(k + "grown", min=sample.min_per_stratum, size=sample.size, target=sample.target)
        )
    if sample.capped:
        lines.append(t(k + "capped"))
    for s in sample.strata:
        names = t("common.list_separator").join(clean(n) for n in s.hosts) or "-"
        lines.append(
            t(k + "stratum", label=_stratum_label(s.name, sample.by, t), drawn=len(s.hosts),
              population=s.population, names=names)
        )  # fmt: skip
    lines.append(t(k + "again"))
    lines.append("  " + rederive_command(sampling_method(sample), inventory_path))
    return "\n".join(lines) + "\n"


def _stratum_label(name: str, by: str | None, t: Catalog) -> str:
    """A stratum as the reader names it: a zone in words, a department or segment as written,
    the hosts without a department said so."""
    if not name:
        return t("terminal.plan.no_department")
    if by == "zone":
        return t.get(f"zone.{name}", clean(name))
    return clean(name)
