"""The report's last part, "Is this everything?": the completeness statement of manifest.json in words.

The statement's sentences arrive in the customer's language already (`completeness`); the headings and the words
around the numbers are translated here."""

from __future__ import annotations

import html
from typing import Any

from ..i18n import N_, _, ngettext
from ..i18n.formats import format_number
from .writers import HashingWriter

ANCHOR = "completeness"
TITLE = N_("Is this everything?")
LEFT_OUT = N_("What is left out, and why")
SENDINGS = N_("Who received your data")  # the title of the `disclosures` section (portal_records)
CHECKED = N_("What the portal checked")
COPIES = N_("Where copies still exist")
_FILES = {"report.html": N_("this report")}


def write(out: HashingWriter, statement: dict[str, Any]) -> None:
    out.write(f"<section id={ANCHOR}><h2>{_e(_(TITLE))}</h2>")
    about = _(
        "This export holds every piece of personal data the portal holds about you, except what is listed under "
        "“{left_out}”. The portal checked each of its tables for your records; here is what it found and where it is "
        "in this export. The same statement is in {manifest} ({key}), for programs."
    )
    words = _t(about).format(
        left_out=_e(_(LEFT_OUT)), manifest="<strong>manifest.json</strong>", key="<code>completeness</code>"
    )
    out.write(f"<p>{words}</p>")
    out.write(f"<h3>{_e(_(CHECKED))}</h3>")
    _heads(out, (_("What it holds"), False), (_("Your records"), True), (_("In this export"), False))
    for table in statement["tables"]:
        rows = table["your_rows"]
        found = _("not linked to you") if rows is None else format_number(rows)
        places = [_(_FILES[place]) if place in _FILES else place.split("#")[0] for place in table["in_this_export"]]
        where = ", ".join(places) or table.get("note", "—")
        out.write(f"<tr><td>{_e(table['holds'])}</td><td class=num>{_e(found)}</td><td>{_e(where)}</td></tr>")
    out.write("</tbody></table>")

    out.write(f"<h3>{_e(_(LEFT_OUT))}</h3>")
    _heads(out, (_("What"), False), (_("Why"), False), (_("Your records"), True))
    for item in statement["left_out"]:
        rows = item.get("your_rows")
        count = "" if rows is None else format_number(rows)
        out.write(f"<tr><td>{_e(item['what'])}</td><td>{_e(item['why'])}</td><td class=num>{count}</td></tr>")
    unlinked = [t for t in statement["tables"] if t["your_rows"] is None]
    for table in unlinked:
        out.write(f"<tr><td>{_e(table['holds'])}</td><td>{_e(table.get('note', ''))}</td><td class=num></td></tr>")
    out.write("</tbody></table>")

    copies = statement["copies"]
    out.write(f"<h3>{_e(_(COPIES))}</h3>")
    out.write(f"<p>{_e(copies['backups']['statement'])}</p>")
    recipients = copies["recipients"]
    if recipients:
        receive = _(
            "These recipients receive your data, as the privacy policy says, or hold a copy of what we sent them "
            "(the section “{section}” lists every sending):"
        )
        out.write(f"<p>{_t(receive).format(section=_e(_(SENDINGS)))}</p>")
        _heads(out, *((head, False) for head in (_("Recipient"), _("Role"), _("Where"), _("For"), _("Sent to it"))))
        for recipient in recipients:
            cells = (
                recipient["name"],
                _role(recipient),
                _where(recipient),
                "; ".join(recipient["receives_for"]) or "—",
                _sent(recipient["sendings"]),
            )
            out.write("<tr>" + "".join(f"<td>{_e(text)}</td>" for text in cells) + "</tr>")
        out.write("</tbody></table>")
    out.write("</section>")


def _heads(out: HashingWriter, *heads: tuple[str, bool]) -> None:
    """A table's start and its column headings (label, numeric)."""
    cells = "".join(f"<th{' class=num' if numeric else ''}>{_e(label)}</th>" for label, numeric in heads)
    out.write(f"<table><thead><tr>{cells}</tr></thead><tbody>")


def _role(recipient: dict[str, Any]) -> str:
    """What the recipient does and its role (the policy's words), and whether a data-processing agreement binds it."""
    if recipient["data_processing_agreement"]:
        return _("{what}: {role}; bound by a data-processing agreement").format(
            what=recipient["what_it_does"], role=recipient["role"]
        )
    return _("{what}: {role}").format(what=recipient["what_it_does"], role=recipient["role"])


def _where(recipient: dict[str, Any]) -> str:
    if recipient["transfer_safeguard"]:
        return _("{location}; transferred under {safeguard}").format(
            location=recipient["location"], safeguard=recipient["transfer_safeguard"]
        )
    return str(recipient["location"])


def _sent(sendings: int) -> str:
    if not sendings:
        return _("nothing yet")
    return ngettext("{count} time", "{count} times", sendings).format(count=format_number(sendings))


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _t(message: str) -> str:
    """A translated message as page text, before its placeholders are filled: `<` and `&` escaped, quotes kept."""
    return html.escape(message, quote=False)
