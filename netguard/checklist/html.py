"""A checklist as one self-contained, printable HTML page (A4 through base.css)."""

from __future__ import annotations

from netguard.checklist.build import Incident
from netguard.checklist.view import checklist_view
from netguard.i18n import catalog
from netguard.render.html import environment


def render_checklist_html(incident: Incident, lang: str) -> str:
    view = checklist_view(incident, lang)
    template = environment().get_template("checklist.html.j2")
    return template.render(v=view, t=catalog(lang), version=view["version"])
