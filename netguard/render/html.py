"""The one Jinja2 environment every HTML document is rendered with.

Autoescaping is on for every template, so a hostname, account or process name such as
``<script>`` reaches the page as text. Templates take their words from the message catalog
(``t``), never from literals, and their stylesheet is inlined: the file must open on an
intranet with no network.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2

from netguard.render.text import clean

EVIDENCE_CAP = 4000  # characters of evidence shown per finding; the JSON results keep it all


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("netguard.render", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["evidence"] = evidence_text
    env.filters["clean"] = clean
    env.globals["inline_asset"] = inline_asset
    return env


def evidence_text(evidence: Any, limit: int = EVIDENCE_CAP) -> str:
    """Evidence as indented JSON, capped (escaping happens in the template)."""
    text = json.dumps(evidence, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def inline_asset(name: str) -> str:
    """A stylesheet or script from templates/, for inlining (mark it safe only in <style>/<script>
    blocks whose content is ours)."""
    env = environment()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source
