"""Finding a demo customer's personal values wherever the portal could have left them: in any column of any table of
the live database, and in any file under the data directory (the database file, its write-ahead log, export ZIPs and
their partly written leftovers, keys, checkpoints, logs).

The values come from the customer's spec (portal/seed/people.py), not from the database, so a value the portal
dropped on the way cannot escape the search. Long values (8 characters or more) are looked for anywhere, in the forms
they take when written out: as they are, escaped the way JSON stores them (`\\u00df` for "ß": SQLAlchemy's JSON
columns and `json.dumps` default to ASCII) and the way HTML escapes them (`&#x27;` for an apostrophe). Short values
(the last four digits of a card, a postcode) would match unrelated text, so they count only as a whole database cell.
"""

from __future__ import annotations

import html
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from portal.models import login_failure_key
from portal.seed.people import CustomerSpec

LONG = 8  # characters: shorter values only count as a whole cell
_LOCAL_HEADER = b"PK\x03\x04"


@dataclass(frozen=True)
class Traces:
    """What identifies one customer: the values themselves and the forms they take when written out."""

    customer_id: int
    long: frozenset[str]
    short: frozenset[str]
    forms: dict[str, str] = field(default_factory=dict, compare=False)  # written form -> the value it spells

    @classmethod
    def of(cls, spec: CustomerSpec) -> Traces:
        who, identity = spec, spec.identity
        values = {who.email, who.username, who.display_name, identity.full_name, identity.street, identity.phone}
        values |= {identity.fax, identity.postcode, identity.shipping_address()}
        values |= {last4 for _, last4, _ in who.cards} | {last4 for _, last4 in who.bank_accounts}
        values |= {f"{brand} •••• {last4}" for brand, last4, _ in who.cards}  # a payment's method
        values |= {f"SEPA debit •••• {last4}" for _, last4 in who.bank_accounts}
        values |= {f"•••• {last4}" for _, last4, _ in who.cards} | {f"•••• {last4}" for _, last4 in who.bank_accounts}
        values |= set(who.ipv4) | set(who.ipv6) | {name for name, _ in who.devices}
        values |= {text for *_, text in who.feedback}
        # Derived: what the sign-in throttle stores for the customer's address and networks (SHA-256, reversible by
        # anyone who guesses the address).
        values |= {login_failure_key("account", who.email)}
        values |= {login_failure_key("client", address) for address in (*who.ipv4, *who.ipv6)}
        values = {v for v in values if v.strip()}
        long = frozenset(v for v in values if len(v) >= LONG)
        forms = {form: value for value in long for form in _written_forms(value)}
        return cls(spec.id, long, frozenset(values - long), forms)


def _written_forms(value: str) -> set[str]:
    return {value, json.dumps(value)[1:-1], html.escape(value)}


@dataclass
class Findings:
    """Where each customer's values were found: customer id -> places ("table.column holds '…'", "file holds '…'")."""

    places: dict[int, list[str]] = field(default_factory=dict)

    def add(self, customer_id: int, place: str) -> None:
        self.places.setdefault(customer_id, []).append(place)

    def of(self, customer_id: int, *, under: str = "") -> list[str]:
        return [p for p in self.places.get(customer_id, []) if p.startswith(under)]


def scan_database(engine: Engine, everyone: list[Traces]) -> Findings:
    """Every column of every table of the live schema (sqlite_master, so tables no model declares count too)."""
    findings = Findings()
    pattern = _pattern(form for traces in everyone for form in traces.forms)
    with engine.connect() as connection:
        tables = [
            name for (name,) in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").all()
        ]
        for table in tables:
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table}"')
            columns = list(rows.keys())
            cells: list[list[str]] = [[] for _ in columns]
            for row in rows:
                for index, cell in enumerate(row):
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", "replace")
                    if isinstance(cell, str) and cell:
                        cells[index].append(cell)
            for column, texts in zip(columns, cells, strict=True):
                _scan_column(findings, f"{table}.{column}", texts, everyone, pattern)
    return findings


def _scan_column(
    findings: Findings, where: str, texts: list[str], everyone: list[Traces], pattern: re.Pattern[str]
) -> None:
    joined = "\x1f".join(texts)  # one C-speed search per value instead of a regex over every cell
    hit = {form for traces in everyone for form in traces.forms if form in joined}
    whole = {text.strip() for text in texts}
    for traces in everyone:
        for value in sorted(traces.short & whole):
            findings.add(traces.customer_id, f"{where} holds {value!r}")
    if not hit:
        return
    owners = {form: traces for traces in everyone for form in traces.forms}
    reported: set[tuple[int, str]] = set()
    for text in texts:
        for match in pattern.finditer(text):
            form = match.group(0)
            owner = owners.get(form)
            if owner is not None and (owner.customer_id, form) not in reported:
                reported.add((owner.customer_id, form))
                findings.add(owner.customer_id, f"{where} holds {owner.forms[form]!r}")


def _pattern(forms: Iterator[str] | set[str]) -> re.Pattern[str]:
    """All written forms as whole words (so "192.0.2.19" is not found inside "192.0.2.191"), longest first."""
    ordered = sorted(set(forms), key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(form)}(?!\w)" for form in ordered) or r"(?!x)x")


def scan_files(directory: Path, everyone: list[Traces]) -> Findings:
    """Every file under `directory`, byte by byte; the members of anything holding ZIP entries are decompressed and
    searched too (a partly written ZIP has no central directory: its entries are found by their local headers)."""
    findings = Findings()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = str(path.relative_to(directory))
        content = path.read_bytes()
        _scan_bytes(findings, name, content, everyone)
        if _LOCAL_HEADER in content:
            for member, data in zip_members(content):
                _scan_bytes(findings, f"{name}!{member}", data, everyone)
    return findings


def _scan_bytes(findings: Findings, where: str, content: bytes, everyone: list[Traces]) -> None:
    for traces in everyone:
        for form, value in sorted(traces.forms.items()):
            if form.encode() in content:
                findings.add(traces.customer_id, f"{where} holds {value!r}")


def zip_members(content: bytes) -> Iterator[tuple[str, bytes]]:
    """Each entry of a ZIP, complete or cut short, found by its local file header and inflated as far as it goes."""
    offset = content.find(_LOCAL_HEADER)
    while offset != -1 and offset + 30 <= len(content):
        (_, _, _, method, _, _, _, size, _, name_length, extra_length) = struct.unpack(
            "<4sHHHHHIIIHH", content[offset : offset + 30]
        )
        name = content[offset + 30 : offset + 30 + name_length].decode("utf-8", "replace")
        start = offset + 30 + name_length + extra_length
        if method == zipfile.ZIP_DEFLATED:
            yield name, _inflate(content, start)
        elif method == zipfile.ZIP_STORED and size:
            yield name, content[start : start + size]
        offset = content.find(_LOCAL_HEADER, offset + 4)


def _inflate(content: bytes, start: int) -> bytes:
    """Raw deflate from `start` until the stream ends, the data runs out, or it stops making sense."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = []
    for chunk_start in range(start, len(content), 1 << 16):
        try:
            out.append(inflater.decompress(content[chunk_start : chunk_start + (1 << 16)]))
        except zlib.error:
            break
        if inflater.eof:
            break
    return b"".join(out)
