"""A finding's standard references are shown in the reports (HTML host detail, Markdown
violations), the clause ids as the results document carries them."""

from __future__ import annotations

import pytest

from netguard.report import render_report
from tests.unit.export_doc import results


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_references_are_shown(fmt: str, lang: str) -> None:
    text = render_report(results(), fmt, lang)
    assert "GB/T 22239-2019 8.1.3.1 · BMB 17-2006" in text
