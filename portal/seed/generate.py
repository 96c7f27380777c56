"""Row generators: turn a CustomerSpec into plain dicts, one list per record kind.

Rows are dicts (not model objects) because they go straight into Core bulk inserts. Ids are left out
here and assigned by the caller in generation order, which is what makes them deterministic.
Each kind draws from its own random stream (seeded from the customer's seed and the kind), so
changing how many rows one kind has never changes the values of another kind.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from .orders import orders_and_payments, product_names
from .people import BASE_TIME, CustomerSpec
from .streams import TECHNICAL_WINDOW, USAGE_WINDOW, kind_rng, spread
from .texts import (
    ACCESS_EVENTS,
    CLAIM_STATUSES,
    COOKIES,
    FEEDBACK_KINDS,
    LINKS,
    MANUAL_CHANGES,
    PRODUCTS,
    SITE_PAGES,
    TICKETS,
    USER_AGENTS,
    WARRANTY_ISSUES,
)

Row = dict[str, Any]


def usage_event_rows(
    customer_id: int, count: int, rng: random.Random, *, start: datetime, end: datetime
) -> Iterator[Row]:
    """Page views and clicks. A generator so a million benchmark rows never sit in memory at once."""
    pages = [path for _, _, path in PRODUCTS] + list(SITE_PAGES)
    for when in spread(rng, count, start, end):
        clicked = rng.choice(LINKS) if rng.random() < 0.55 else ""
        yield {
            "customer_id": customer_id,
            "occurred_at": when,
            "page": rng.choice(pages),
            "link_clicked": clicked,
            "bytes_transferred": rng.randint(900, 1_800_000),
        }


def customer_rows(spec: CustomerSpec) -> dict[str, list[Row]]:
    """Every personal-data row of one demo customer, keyed by the catalogue's kind key."""
    cid, ident = spec.id, spec.identity
    account_since = spec.created_at
    rows: dict[str, list[Row]] = {}

    rows["account"] = []  # written by the caller, which also hashes the password
    rows["identity_profile"] = [
        {
            "customer_id": cid,
            "full_name": ident.full_name,
            "email": spec.email,
            "street": ident.street,
            "city": ident.city,
            "state": ident.state,
            "postcode": ident.postcode,
            "country": ident.country,
            "phone": ident.phone,
            "fax": ident.fax,
            "updated_at": account_since + timedelta(days=41, hours=3),
        }
    ]

    rng = kind_rng(spec.rng_seed, "payment_card")
    card_times = spread(rng, len(spec.cards), account_since, BASE_TIME - timedelta(days=30))
    rows["payment_card"] = [
        {
            "customer_id": cid,
            "brand": brand,
            "last4": last4,
            "expiry": expiry,
            "holder_name": ident.full_name,
            "processor_token": f"tok_{rng.getrandbits(96):024x}",
            "added_at": when,
        }
        for (brand, last4, expiry), when in zip(spec.cards, card_times, strict=True)
    ]

    rng = kind_rng(spec.rng_seed, "financial_account")
    bank_times = spread(rng, len(spec.bank_accounts), account_since, BASE_TIME - timedelta(days=30))
    rows["financial_account"] = [
        {
            "customer_id": cid,
            "bank_name": bank,
            "account_last4": last4,
            "holder_name": ident.full_name,
            "added_at": when,
        }
        for (bank, last4), when in zip(spec.bank_accounts, bank_times, strict=True)
    ]

    rows["order"], rows["payment"] = orders_and_payments(spec)
    # Claims and manual changes concern products the customer actually bought.
    bought = sorted({item for order in rows["order"] for item in product_names(order["items"])})
    bought = bought or [PRODUCTS[0][0]]

    rng = kind_rng(spec.rng_seed, "warranty_claim")
    claim_times = spread(rng, spec.warranty_claims, account_since + timedelta(days=20), BASE_TIME)
    rows["warranty_claim"] = [
        {
            "customer_id": cid,
            "claim_number": f"WC-{cid}{n + 1:04d}",
            "filed_at": when,
            "product": rng.choice(bought),
            "issue": rng.choice(WARRANTY_ISSUES),
            "status": "in review" if n == spec.warranty_claims - 1 else rng.choice(CLAIM_STATUSES),
        }
        for n, when in enumerate(claim_times)
    ]

    rng = kind_rng(spec.rng_seed, "manual_change")
    rows["manual_change"] = [
        {
            "customer_id": cid,
            "requested_at": when,
            "product": rng.choice(bought),
            "description": rng.choice(MANUAL_CHANGES),
        }
        for when in spread(rng, spec.manual_changes, account_since + timedelta(days=10), BASE_TIME)
    ]

    rng = kind_rng(spec.rng_seed, "support_ticket")
    rows["support_ticket"] = []
    for n, when in enumerate(spread(rng, spec.support_tickets, account_since, BASE_TIME)):
        subject, answer, status = rng.choice(TICKETS)
        rows["support_ticket"].append(
            {
                "customer_id": cid,
                "ticket_number": f"CS-{cid}{n + 1:05d}",
                "opened_at": when,
                "subject": subject,
                "answer": answer,
                "status": status,
            }
        )

    rows["feedback"] = _feedback(spec)

    rng = kind_rng(spec.rng_seed, "usage_event")
    usage_start = max(account_since, BASE_TIME - USAGE_WINDOW)
    rows["usage_event"] = list(
        usage_event_rows(cid, spec.usage_events, rng, start=usage_start, end=BASE_TIME - timedelta(hours=1))
    )

    rows["device"], rows["access_log"] = _devices_and_access_log(spec)

    rng = kind_rng(spec.rng_seed, "cookie")
    rows["cookie"] = []
    for n, when in enumerate(spread(rng, spec.cookies, BASE_TIME - TECHNICAL_WINDOW, BASE_TIME)):
        name, purpose, lifetime_days = COOKIES[n % len(COOKIES)]
        rows["cookie"].append(
            {
                "customer_id": cid,
                "name": name,
                "purpose": purpose,
                "set_at": when,
                "expires_at": when + timedelta(days=lifetime_days),
            }
        )
    return rows


def _feedback(spec: CustomerSpec) -> list[Row]:
    """The customer's own texts; a heavy customer with more entries than texts writes follow-ups."""
    rng = kind_rng(spec.rng_seed, "feedback")
    rows: list[Row] = []
    times = spread(rng, spec.feedback_count, spec.created_at + timedelta(days=5), BASE_TIME)
    for n, when in enumerate(times):
        kind, product, rating, text = spec.feedback[n % len(spec.feedback)]
        round_ = n // len(spec.feedback)
        if round_:
            text = f"Follow-up {round_}: {text}"
            if kind == "review":  # opinions drift a little over time, but stay in 1..5
                rating = max(1, min(5, (rating or 3) + rng.choice((-1, 0, 0, 1))))
        assert kind in FEEDBACK_KINDS and (rating is None) == (kind != "review")
        rows.append(
            {
                "customer_id": spec.id,
                "created_at": when,
                "kind": kind,
                "product": product,
                "rating": rating,
                "text": text,
            }
        )
    return rows


def _devices_and_access_log(spec: CustomerSpec) -> tuple[list[Row], list[Row]]:
    """Devices and the log rows they produced, so each log row's browser matches a known device."""
    rng = kind_rng(spec.rng_seed, "device")
    window_start = BASE_TIME - TECHNICAL_WINDOW
    devices: list[Row] = []
    for name, os_name in spec.devices:
        first = window_start + timedelta(seconds=rng.randint(0, 20 * 86400))
        last = BASE_TIME - timedelta(seconds=rng.randint(600, 15 * 86400))
        devices.append(
            {
                "customer_id": spec.id,
                "name": name,
                "operating_system": _os_label(os_name, rng),
                "first_seen_at": first,
                "last_seen_at": last,
            }
        )

    rng = kind_rng(spec.rng_seed, "access_log")
    log: list[Row] = []
    for when in spread(rng, spec.access_log, window_start, BASE_TIME - timedelta(minutes=5)):
        ip = rng.choice(spec.ipv6) if spec.ipv6 and rng.random() < 0.2 else rng.choice(spec.ipv4)
        _, os_name = rng.choice(spec.devices)
        log.append(
            {
                "customer_id": spec.id,
                "occurred_at": when,
                "ip_address": ip,
                "user_agent": USER_AGENTS[os_name],
                "event": rng.choice(ACCESS_EVENTS),
            }
        )
    return devices, log


def _os_label(os_name: str, rng: random.Random) -> str:
    """A versioned operating-system name, as a browser's user agent would report it."""
    labels = {
        "macOS": ("macOS 14.6", "macOS 15.0"),
        "iOS": ("iOS 17.6", "iOS 18.0"),
        "iPadOS": ("iPadOS 17.6",),
        "Windows": ("Windows 10", "Windows 11"),
        "Linux": ("Fedora 40", "Ubuntu 24.04"),
        "Android": ("Android 14",),
        "ChromeOS": ("ChromeOS 128",),
        "eWeLink": ("Android 14 (eWeLink app)",),
    }
    return rng.choice(labels[os_name])
