"""Whose language a message is written in, and the few time words messages share.

A notification or an email is written in the language of the account it goes to, whoever's action sends it: a
German customer's email is German when a worker completes their request or a privacy officer rejects it. The text
is composed inside `speaking_to(account)`; what is stored (a notification's title and body, an outbox message) is
then already in that language.

An account that saved no language gets English, except when the account holder is the one acting, in their own
session (`own_act=True`): then the language their pages are shown in (the browser's) is the best guess."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from babel.dates import format_time

from ...i18n import (
    DEFAULT_LOCALE,
    DEFAULT_TIME_ZONE,
    PSEUDO_LOCALE,
    current_locale,
    current_time_zone_name,
    known,
    using_locale,
    valid_time_zone,
)
from ...i18n.formats import babel_locale, format_date, local, zone_label
from ...models import Account


def locale_of(account: Account | None, *, own_act: bool = False) -> tuple[str, str]:
    """The account's language and time zone, as messages to it use them."""
    saved = known(account.locale) if account is not None else None
    zone = valid_time_zone(account.time_zone) if account is not None else None
    if saved is None and own_act:
        return current_locale(), zone or current_time_zone_name()
    return saved or DEFAULT_LOCALE, zone or DEFAULT_TIME_ZONE


@contextmanager
def speaking_to(account: Account | None, *, own_act: bool = False) -> Iterator[None]:
    """Within the block, `_()` and the formats speak the account's language and time zone."""
    locale, zone = locale_of(account, own_act=own_act)
    with using_locale(locale, zone):
        yield


def clock(value: datetime) -> str:
    """A time of day with its zone, in the reader's zone: "14:01 UTC", "15:01 MEZ"."""
    moment = local(value)
    if current_locale() in (DEFAULT_LOCALE, PSEUDO_LOCALE):
        time = f"{moment:%H:%M}"
    else:
        time = format_time(moment, "short", locale=babel_locale())
    return f"{time} {zone_label(value)}"


def in_sentence(title: str) -> str:
    """A title inside a sentence ("Processing of your usage data is restricted"): lower case, except in German, whose
    nouns keep their capital wherever they stand."""
    return title if current_locale().split("_")[0] == "de" else title.lower()


def day(value: datetime) -> str:
    """A date in the reader's zone: "2026-09-28", "28.09.2026"."""
    return format_date(value)
