"""The standards each check answers to, as data: ``CheckSpec.references`` and every finding's
``references`` in the results document (docs/results-schema.md), carried into every export.

One entry per clause: the standard's number and the clause id (``"GB/T 22239-2019 8.1.4.5"``),
or the standard alone where no clause id is cited (``"BMB 17-2006"``, the 分级保护 technical
requirements for classified computers). The catalogs' ``basis.<category>`` say the same in
prose for reports (clause names included); tests/unit/test_references.py keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

GBT_22239 = "GB/T 22239-2019"  # 信息安全技术 网络安全等级保护基本要求 (level 3 requirements)
BMB_17 = "BMB 17-2006"  # 涉及国家秘密的信息系统分级保护技术要求

#: the clauses of each check category (a check of a category cites all of them)
BY_CATEGORY: Mapping[str, tuple[str, ...]] = {
    "antivirus": (f"{GBT_22239} 8.1.4.5", f"{GBT_22239} 8.1.10.7", BMB_17),
    "password": (f"{GBT_22239} 8.1.4.1", BMB_17),
    "accounts": (f"{GBT_22239} 8.1.4.2", BMB_17),
    "isolation": (f"{GBT_22239} 8.1.3.1", BMB_17),
    "media": (f"{GBT_22239} 8.1.10.3", BMB_17),
    "network": (f"{GBT_22239} 8.1.3.1", f"{GBT_22239} 8.1.10.2"),
    "transport": (f"{GBT_22239} 8.1.4.1", f"{GBT_22239} 8.1.10.2"),
}


def references_of(category: str) -> tuple[str, ...]:
    """The standard references of a check of ``category`` (() for a category with none)."""
    return BY_CATEGORY.get(category, ())
