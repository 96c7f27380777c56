"""The services speak the reader's language (#22), through their real code paths: a validation error in German, the
emails of a German customer in German whoever acts (a privacy officer whose own pages are French), a Chinese plural,
and the pseudo-locale's brackets around every message a service words.

The words are those of the shipped catalogues (portal/i18n/locales/<code>/LC_MESSAGES/messages.po): what a customer
will read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.config import load_settings
from portal.db import get_engine
from portal.i18n import PSEUDO_LOCALE, catalogs, using_locale
from portal.i18n.pseudo import CLOSE, OPEN
from portal.jobs import register_all
from portal.models import Account
from portal.queue import staff_actions
from portal.services.identity.account_security import PasswordChangeError, check_new_password
from portal.services.messaging.mailer import deliver_pending
from portal.services.rights.identity_validation import validate_identity
from portal.services.rights.receipts import verify
from tests.utils.environment import TEST_SECRET
from tests.utils.queue import ADA, GRACE, file_restriction, officer
from tests.utils.smtp import SmtpServer

GOOD = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "street": "12 St James's Square",
    "city": "London",
    "state": "",
    "postcode": "SW1Y 4LB",
    "country": "GB",
    "phone": "+44 20 7946 0958",
    "fax": "",
}


@pytest.fixture
def catalogues() -> Path:
    """The shipped German and Simplified Chinese catalogues (portal/i18n/locales)."""
    assert {"de", "zh_Hans"} <= set(catalogs.language_codes())
    return catalogs.LOCALES_DIR


def test_a_validation_error_is_german(catalogues: Path) -> None:
    with using_locale("de"):
        result = validate_identity({**GOOD, "full_name": "", "country": "DE", "postcode": "1011"})
    assert result.errors == {
        "full_name": "Geben Sie Ihren vollständigen Namen ein.",
        "postcode": "Geben Sie eine Postleitzahl für Deutschland ein (5 Ziffern, z. B. 10115).",
    }
    with using_locale("de"):
        too_long = validate_identity({**GOOD, "city": "x" * 81}).errors["city"]
    assert too_long == "Kürzen Sie Ihren Ort auf höchstens 80 Zeichen."
    # English stays as it was, word for word.
    assert validate_identity({**GOOD, "full_name": ""}).errors == {"full_name": "Enter your full name."}


@pytest.fixture
def engine(portal_env: Path) -> Engine:
    register_all()
    return get_engine()


def test_the_email_to_a_german_customer_is_german_whoever_sends_it(
    catalogues: Path, engine: Engine, portal_env: Path
) -> None:
    """Ada reads German (her account says so, and Berlin time); Grace has chosen nothing: English. The officer who
    rejects Ada's request works in French: the email is still Ada's language, delivered by a real SMTP server."""
    with Session(engine) as session:
        ada = session.get(Account, ADA)
        assert ada is not None
        ada.locale, ada.time_zone = "de", "Europe/Berlin"
        session.add(ada)
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        with using_locale("fr"):  # whoever files and decides, the customer's language is the one written
            ada_request = file_restriction(session, ADA, "i18n-ada")
            file_restriction(session, GRACE, "i18n-grace")
            staff_actions.reject(
                session, request_id=ada_request.id or 0, actor=officer(), reason="Keine Verarbeitung gefunden."
            )
        session.commit()
    with SmtpServer() as smtp:
        settings = load_settings(
            env={
                "PORTAL_DATA_DIR": str(portal_env),
                "PORTAL_MODE": "demo",
                "PORTAL_SECRET_KEY": TEST_SECRET,
                **smtp.env(),
            }
        )
        assert deliver_pending(engine, settings) >= 3
        to_ada = [m for m in smtp.messages if m["To"] == "ada@example.com"]
        to_grace = [m for m in smtp.messages if m["To"] == "grace@example.com"]
    subjects = [m["Subject"] for m in to_ada]
    assert "Wir haben Ihre Anfrage erhalten: Einschränkung der Verarbeitung" in subjects
    assert "Anfrage abgelehnt: Einschränkung der Verarbeitung" in subjects
    received = next(m for m in to_ada if m["Subject"].startswith("Wir haben")).get_content()
    assert "Ein Datenschutzbeauftragter wird sie prüfen. Wir antworten spätestens bis zum " in received
    assert re.search(r"bis zum \d{2}\.\d{2}\.\d{4}\.", received), "a German date"
    assert "Diese Nachricht wurde automatisch versendet." in received
    rejected = next(m for m in to_ada if m["Subject"].startswith("Anfrage abgelehnt")).get_content()
    assert "Grund: Keine Verarbeitung gefunden." in rejected
    assert "Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren" in rejected
    assert [m["Subject"] for m in to_grace] == ["We received your request: Restriction of processing"]
    assert "This message was sent automatically." in to_grace[0].get_content()


def test_a_chinese_plural_has_its_one_form(catalogues: Path) -> None:
    with using_locale("zh_Hans"), pytest.raises(PasswordChangeError) as short:
        check_new_password("short", "short", current="old", email="ada@example.com")
    assert short.value.message == "请至少使用 12 个字符（几个单词组合就是不错的密码）。"
    with using_locale("de"), pytest.raises(PasswordChangeError) as german:
        check_new_password("short", "short", current="old", email="ada@example.com")
    assert german.value.message.startswith("Verwenden Sie mindestens 12 Zeichen")


def test_the_pseudo_locale_brackets_what_services_word(portal_env: Path) -> None:
    """Every message passes through the catalogue: in the pseudo-locale each one comes back bracketed, plurals and
    placeholders included (the filled-in values stay as they are)."""
    with using_locale(PSEUDO_LOCALE):
        errors = validate_identity({**GOOD, "full_name": "", "country": "DE", "postcode": "1011"}).errors
        with pytest.raises(PasswordChangeError) as short:
            check_new_password("short", "short", current="old", email="ada@example.com")
        receipt = verify("   ")
    for text in (*errors.values(), short.value.message, receipt.message):
        assert text.startswith(OPEN) and text.endswith(CLOSE), text
    assert "12" in short.value.message and "{count}" not in short.value.message
