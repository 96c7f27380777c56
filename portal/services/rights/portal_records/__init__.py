"""Everything the portal holds about a customer beyond the policy's categories, as export sections: consents,
privacy requests and their timelines, statements, restrictions, deletion receipts, support access, account
activity, sign-in sessions, notifications, emails and exports.

Here in the services because the words a customer reads live here (a request's status, an audit event as a
sentence); `build_for_request` hands the sections to the export builder, which writes them in every format.
What each section exports of its table, and what it leaves out and why, is declared in `portal/exports/held_*.py`.

The sections are built before the export knows the customer's language: their titles, sentences and column labels are
marked with `N_` and translated by the export's writers. A record's words are made while the build reads it, in the
customer's language; its keys, and the values programs read (`consent`, `by`, statuses and types), stay English."""

from __future__ import annotations

from ....exports.sections import Section
from . import account_records, consent_records, recipient_records, request_records, support_records


def sections_for(customer_id: int) -> list[Section]:
    """The customer's sections, in the order data.json and the report show them."""
    return [
        *consent_records.sections(customer_id),
        *request_records.sections(customer_id),
        *recipient_records.sections(customer_id),
        *support_records.sections(customer_id),
        *account_records.sections(customer_id),
    ]
