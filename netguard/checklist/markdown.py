"""A checklist as Markdown (GitHub-flavoured tables), safe to open, print or render.

Every dynamic string goes through md(): host names, accounts and evidence come from audited
machines and must not become headings, links, HTML or table structure. Evidence goes into a
fenced block whose fence is longer than any backtick run inside it.
"""

from __future__ import annotations

from typing import Any

from netguard.checklist.build import Incident
from netguard.checklist.view import checklist_view
from netguard.i18n import Catalog, catalog
from netguard.render.markdown import fenced, md_escape

MD_CAP = 500
TEXT_CAP = 2000  # a playbook's own paragraphs (the grading rule): ours, but still escaped


def md(text: object) -> str:
    """Text for a Markdown paragraph or table cell (see netguard.render.markdown)."""
    return md_escape(text, MD_CAP)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c if c else " " for c in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def render_checklist_md(incident: Incident, lang: str) -> str:
    t = catalog(lang)
    v = checklist_view(incident, lang)
    sep = t("checklist.label_sep")
    out: list[str] = [f"# {md(v['title'])}", ""]
    out += _header(t, v)
    if v["summary"]:
        out += [f"**{md(t('checklist.summary'))}**{sep}{md(v['summary'])}", ""]
    if v["warnings"]:
        out += [f"> **{md(t('checklist.warnings'))}**", ">"]
        out += [f"> - {md(w)}" for w in v["warnings"]]
        out.append("")
    out += _hosts(t, v)
    out += _steps(t, v)
    if v["audited"]:
        out += _findings(t, v)
    out += [f"## {md(t('checklist.evidence'))}", ""]
    out += [f"- [ ] {md(e)}" for e in v["evidence"]]
    out += ["", f"## {md(t('checklist.signoff'))}", ""]
    out += _table(
        [md(t(f"checklist.col.{k}")) for k in ("role", "person", "signature", "date")],
        [[md(s["name"]), md(s["person"]), "", ""] for s in v["signoff"]],
    )
    out += ["", f"*{md(v['footer'])}*", ""]
    return "\n".join(out)


def _header(t: Catalog, v: dict[str, Any]) -> list[str]:
    lines = [
        (t("checklist.organisation"), v["organisation"]),
        (t("checklist.grade"), v["grade"]["text"]),
    ]
    if v["base_grade"]:
        reasons = t.join(v["escalations"])
        lines.append((t("checklist.escalated_by"), f"{v['base_grade']} → {reasons}"))
    if v["grading"]:
        lines.append((t("checklist.grading"), v["grading"]))
    lines.append((t("checklist.category"), v["category"]))
    lines += v["times"]
    lines.append((t("checklist.duty_phone"), v["duty_phone"]))
    if v["audited"]:
        lines += [
            (t("checklist.source"), v["results_path"]),
            (t("checklist.run_id"), v["run_id"]),
        ]
    else:
        lines.append((t("checklist.source_phone"), t("checklist.phone")))
    # Two trailing spaces: a Markdown line break, so each field prints on its own line.
    blank = "____________"  # a line to write on; ours, so not escaped
    sep = t("checklist.label_sep")
    return [
        f"**{md(k)}**{sep}{md_escape(val, TEXT_CAP) if val else blank}  " for k, val in lines
    ] + [""]


def _hosts(t: Catalog, v: dict[str, Any]) -> list[str]:
    cols = ("host", "address", "segment", "zone", "department", "owner", "location", "status")
    header = [md(t(f"checklist.col.{k}")) for k in ("number", *cols)]
    keys = ("name", *cols[1:])  # the view calls the host's name "name"
    rows = [[str(i), *(md(h[k]) for k in keys)] for i, h in enumerate(v["hosts"], start=1)]
    return [f"## {md(t('checklist.hosts', count=len(v['hosts'])))}", "", *_table(header, rows), ""]


def _steps(t: Catalog, v: dict[str, Any]) -> list[str]:
    out = [f"## {md(t('checklist.steps'))}", "", f"*{md(v['deadline_note'])}*", ""]
    cols = ("done", "number", "step", "role", "notify", "within", "deadline", "done_at")
    header = [md(t(f"checklist.col.{k}")) for k in (*cols, "signature")]
    for phase in v["phases"]:
        rows = []
        for s in phase["steps"]:
            who = " ".join(md(x) for x in (s["role"], s["person"], s["phone"]) if x)
            notify = md(t.join(s["notify"]))
            rows.append(
                ["☐", str(s["number"]), md(s["text"]), who, notify, md(s["within"]),
                 md(s["deadline"]), "", ""]
            )  # fmt: skip
        out += [f"### {md(phase['name'])}", "", *_table(header, rows), ""]
    return out


def _findings(t: Catalog, v: dict[str, Any]) -> list[str]:
    out = [f"## {md(t('checklist.findings'))}", ""]
    for h in v["findings"]:
        out += [f"### {md(t('checklist.host_heading', name=h['name'], address=h['address']))}", ""]
        if h["not_audited"]:
            out += [md(h["not_audited"]), ""]
        for f in h["items"]:
            out += [
                f"**{md(f['check'])}** — {md(f['title'])}"
                + md(t("checklist.finding_meta", severity=f["severity"], status=f["status"])),
                "",
                md(f["message"]),
                "",
            ]
            if f["evidence"]:
                label = md(t("checklist.finding_evidence"))
                out += [label, "", *fenced(f["evidence"], "json"), ""]
    return out


__all__ = ["md", "render_checklist_md"]
