"""The report's last part, "Is this everything?": the completeness statement of manifest.json in words."""

from __future__ import annotations

import html
from typing import Any

from .writers import HashingWriter

ANCHOR = "completeness"
TITLE = "Is this everything?"
_FILES = {"report.html": "this report"}


def write(out: HashingWriter, statement: dict[str, Any]) -> None:
    out.write(f"<section id={ANCHOR}><h2>{TITLE}</h2>")
    out.write(
        "<p>This export holds every piece of personal data the portal holds about you, except what is listed under "
        "“What is left out, and why”. The portal checked each of its tables for your records; here is what it "
        "found and where it is in this export. The same statement is in <strong>manifest.json</strong> "
        "(<code>completeness</code>), for programs.</p>"
    )
    out.write("<h3>What the portal checked</h3><table><thead><tr><th>What it holds</th>")
    out.write("<th class=num>Your records</th><th>In this export</th></tr></thead><tbody>")
    for table in statement["tables"]:
        rows = table["your_rows"]
        found = "not linked to you" if rows is None else f"{rows:,}"
        places = [_FILES.get(place, place.split("#")[0]) for place in table["in_this_export"]]
        where = ", ".join(places) or table.get("note", "—")
        out.write(f"<tr><td>{_e(table['holds'])}</td><td class=num>{found}</td><td>{_e(where)}</td></tr>")
    out.write("</tbody></table>")

    out.write("<h3>What is left out, and why</h3><table><thead><tr><th>What</th><th>Why</th>")
    out.write("<th class=num>Your records</th></tr></thead><tbody>")
    for item in statement["left_out"]:
        rows = item.get("your_rows")
        count = "" if rows is None else f"{rows:,}"
        out.write(f"<tr><td>{_e(item['what'])}</td><td>{_e(item['why'])}</td><td class=num>{count}</td></tr>")
    unlinked = [t for t in statement["tables"] if t["your_rows"] is None]
    for table in unlinked:
        out.write(f"<tr><td>{_e(table['holds'])}</td><td>{_e(table.get('note', ''))}</td><td class=num></td></tr>")
    out.write("</tbody></table>")

    copies = statement["copies"]
    out.write("<h3>Where copies still exist</h3>")
    out.write(f"<p>{_e(copies['backups']['statement'])}</p>")
    recipients = copies["recipients"]
    if recipients:
        out.write(
            "<p>These recipients receive your data, as the privacy policy says, or hold a copy of what we sent them "
            "(the section “Who received your data” lists every sending):</p>"
        )
        out.write(
            "<table><thead><tr><th>Recipient</th><th>Role</th><th>Where</th><th>For</th><th>Sent to it</th>"
            "</tr></thead><tbody>"
        )
        for recipient in recipients:
            bound = "; bound by a data-processing agreement" if recipient["data_processing_agreement"] else ""
            role = f"{recipient['what_it_does']}: {recipient['role']}{bound}"
            where = recipient["location"] + (
                f"; transferred under {recipient['transfer_safeguard']}" if recipient["transfer_safeguard"] else ""
            )
            sent = f"{recipient['sendings']:,} times" if recipient["sendings"] else "nothing yet"
            cells = (recipient["name"], role, where, "; ".join(recipient["receives_for"]) or "—", sent)
            out.write("<tr>" + "".join(f"<td>{_e(text)}</td>" for text in cells) + "</tr>")
        out.write("</tbody></table>")
    out.write("</section>")


def _e(text: str) -> str:
    return html.escape(text, quote=True)
