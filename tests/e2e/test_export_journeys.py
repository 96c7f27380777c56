"""Export journeys: a customer chooses categories and formats, previews, requests, waits for the worker and
downloads the ZIP (checked against its manifest and docs/export-schema.json); the signed download link opens
nothing for another customer or for nobody; an empty choice is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
from playwright.sync_api import BrowserContext, Download, Page, expect

from tests.e2e.flows import (
    CATEGORY_KEYS,
    choose_export,
    path_of,
    request_export,
    sign_in,
    tick,
    wait_for_export_ready,
)
from tests.e2e.harness import REPO_ROOT, save_download, snap

ADA = "ada@example.com"
GRACE = "grace@example.com"
SCHEMA = json.loads((REPO_ROOT / "docs" / "export-schema.json").read_text())

CHOSEN = ["identity", "financial", "usage"]  # in the catalogue's order, as the manifest lists them
FORMATS = ["json", "csv", "html"]
# ada's demo data in the chosen categories, per kind of record.
ADA_COUNTS = {"identity_profile": 1, "payment_card": 2, "financial_account": 1, "usage_event": 40}
KIND_FILES = {
    "identity": ["identity_profile"],
    "financial": ["payment_card", "financial_account"],
    "usage": ["usage_event"],
}


def _open_exports(page: Page) -> None:
    page.get_by_test_id("nav-exports").click()
    page.wait_for_url("**/exports")
    expect(page.get_by_test_id("export-chooser")).to_be_visible()
    expect(page.get_by_test_id("export-list")).to_be_visible()


def _download(page: Page, request_id: int) -> Download:
    with page.expect_download() as download_info:
        page.get_by_test_id(f"export-download-{request_id}").click()
    return download_info.value


def test_customer_exports_chosen_categories_and_checks_the_manifest(page: Page) -> None:
    sign_in(page, ADA)
    _open_exports(page)
    for key in CATEGORY_KEYS:  # everything is ticked at first, JSON only
        expect(page.get_by_test_id(f"export-category-{key}")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("export-format-json")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("export-format-csv")).to_have_attribute("aria-checked", "false")

    choose_export(page, CHOSEN, FORMATS)
    page.get_by_test_id("export-preview-button").click()
    total = sum(ADA_COUNTS.values())
    expect(page.get_by_test_id("export-estimate")).to_have_text(re.compile(rf"^{total} records, about .+ as a ZIP$"))
    preview = page.get_by_test_id("export-preview")
    for title in ("Identity data", "Financial data", "Usage data"):
        expect(preview).to_contain_text(title)
    expect(preview).not_to_contain_text("Transaction data")
    expect(page.get_by_test_id("export-error")).to_have_text("")
    snap(page, "export-preview")

    request_id = request_export(page)
    row = page.get_by_test_id(f"export-row-{request_id}")
    expect(row).to_contain_text("JSON, CSV, HTML · Identity data, Financial data, Usage data")
    # The row with its progress comes into view (it used to appear far below the preview, off screen).
    expect(row).to_be_in_viewport()
    expect(page.get_by_test_id("export-estimate")).to_have_count(0)
    snap(page, "export-requested")
    wait_for_export_ready(page, request_id)
    snap(page, "export-ready")
    # A ready export says until when it can be downloaded (the retention is 7 days in the demo configuration).
    expect(page.get_by_test_id(f"export-expires-{request_id}")).to_have_text(
        re.compile(r"^until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$")
    )

    download = _download(page, request_id)
    assert download.suggested_filename == f"personal-data-export-{request_id}.zip"
    saved = save_download(download)

    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        jsonschema.validate(manifest, {**SCHEMA, "$ref": "#/$defs/manifest"})
        assert manifest["categories"] == CHOSEN, manifest["categories"]
        assert manifest["formats"] == FORMATS, manifest["formats"]
        assert manifest["request_id"] == request_id
        assert manifest["record_counts"] == ADA_COUNTS, manifest["record_counts"]
        data = json.loads(archive.read("data.json"))
        # The portal's own records about ada come whatever categories she chose: one CSV per section.
        sections = list(data["portal_records"])
        assert {"consent_history", "privacy_requests", "account_activity", "sign_in_sessions"} <= set(sections)
        assert manifest["portal_record_counts"]["privacy_requests"] >= 1, "the export's own request is in it"
        expected_files = {"data.json", "report.html"} | {
            f"csv/{category}/{kind}.csv" for category, kinds in KIND_FILES.items() for kind in kinds
        }
        expected_files |= {f"csv/portal/{section}.csv" for section in sections}
        listed = {entry["path"] for entry in manifest["files"]}
        assert listed == expected_files, f"manifest lists {sorted(listed)}"
        assert names == expected_files | {"manifest.json", "manifest.sig.json"}, f"the ZIP holds {sorted(names)}"
        for entry in manifest["files"]:
            content = archive.read(entry["path"])
            assert hashlib.sha256(content).hexdigest() == entry["sha256"], f"{entry['path']}: sha256 differs"
            assert len(content) == entry["bytes"], f"{entry['path']}: size differs"

        jsonschema.validate(data, SCHEMA)
        assert list(data["categories"]) == CHOSEN, list(data["categories"])
        for category, kinds in KIND_FILES.items():
            records = data["categories"][category]["records"]
            assert list(records) == kinds, (category, list(records))
            for kind in kinds:
                assert len(records[kind]) == ADA_COUNTS[kind], (kind, len(records[kind]))
        assert data["categories"]["identity"]["records"]["identity_profile"][0]["email"] == ADA
        usage_csv = archive.read("csv/usage/usage_event.csv").decode()
        assert len(usage_csv.strip().splitlines()) == 1 + ADA_COUNTS["usage_event"]
        report = archive.read("report.html").decode()
        assert "<section id=category-usage>" in report and "<section id=category-transaction>" not in report
        # The completeness statement names what was not chosen, and where the rest of ada's data is.
        tables = {t["table"]: t for t in manifest["completeness"]["tables"]}
        assert tables["customer_order"]["in_this_export"] == [] and "not chosen" in tables["customer_order"]["note"]
        assert "Is this everything?" in report


def test_export_link_refused_for_another_customer(
    page: Page, portal_url: str, fresh_context: Callable[..., BrowserContext]
) -> None:
    sign_in(page, ADA)
    _open_exports(page)
    choose_export(page, ["registration"], ["json"])
    request_id = request_export(page)
    wait_for_export_ready(page, request_id)
    download = _download(page, request_id)
    link = download.url
    parts = urlsplit(link)
    assert parts.path == f"/exports/{request_id}/download" and parts.query.startswith("token="), link
    assert zipfile.is_zipfile(Path(download.path())), "ada's own link did not give her the ZIP"
    snap(page, "export-link-ada")

    grace = fresh_context().new_page()
    sign_in(grace, GRACE)
    response = grace.goto(link)
    assert response is not None and response.status == 403, f"grace got {response and response.status}"
    expect(grace.get_by_test_id("error-title")).to_have_text("Download not possible")
    expect(grace.get_by_test_id("error-message")).to_contain_text("This download link is not for you.")
    snap(grace, "export-link-refused-for-grace")

    nobody = fresh_context().new_page()
    response = nobody.goto(link)
    assert path_of(nobody).startswith("/login"), f"signed out, the link opened {nobody.url}"
    expect(nobody.get_by_test_id("login-email")).to_be_visible()
    snap(nobody, "export-link-signed-out")


def test_export_with_no_category_shows_clear_message(page: Page) -> None:
    sign_in(page, ADA)
    _open_exports(page)
    before = page.locator('[data-testid^="export-row-"]').count()
    for key in CATEGORY_KEYS:
        tick(page, f"export-category-{key}", False)

    page.get_by_test_id("export-request").click()
    expect(page.get_by_test_id("export-error")).to_have_text("Choose at least one category.")
    snap(page, "export-no-category")
    page.get_by_test_id("export-preview-button").click()
    expect(page.get_by_test_id("export-error")).to_have_text("Choose at least one category.")
    expect(page.get_by_test_id("export-estimate")).to_have_count(0)
    expect(page.locator('[data-testid^="export-row-"]')).to_have_count(before)

    tick(page, "export-category-registration", True)  # a category, but no format
    tick(page, "export-format-json", False)
    page.get_by_test_id("export-request").click()
    expect(page.get_by_test_id("export-error")).to_have_text("Choose at least one format.")
    expect(page.locator('[data-testid^="export-row-"]')).to_have_count(before)
    snap(page, "export-no-format")
