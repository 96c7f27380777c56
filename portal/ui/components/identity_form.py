"""The identity correction form on /data/identity: edit every field, see old → new, then file it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from nicegui import ui

from ...catalogue import get_catalogue
from ...services.identity.principal import Principal
from ...services.rights import rectification
from ...services.rights.identity_validation import COUNTRIES, LIMITS
from ..background import io_bound
from .step_up_dialog import with_step_up
from .testid import tid


class IdentityForm:
    """Opened from a button; errors appear next to their field and nothing is filed until they are fixed."""

    def __init__(self, principal: Principal, on_filed: Callable[[], Awaitable[None]] | None = None) -> None:
        self.principal = principal
        request = ui.context.client.request
        self.client = request.client.host if request.client else "unknown"  # wrong passwords count per client
        self.on_filed = on_filed
        self.key = f"identity-{uuid.uuid4()}"
        self.inputs: dict[str, ui.input | ui.select] = {}
        labels = {f.key: f.label for f in get_catalogue().categories["identity"].kinds[0].fields}
        with tid(ui.dialog(), "identity-dialog") as self.dialog, ui.card().classes("w-[40rem] max-w-full gap-2"):
            ui.label("Correct your identity details").classes("text-lg font-semibold")
            ui.label(
                "A change of email address takes effect once you open the link we send to the new address."
            ).classes("text-sm text-gray-600 dark:text-gray-300")
            with ui.grid(columns=2).classes("w-full gap-x-4 gap-y-1"):
                for name in LIMITS:
                    field: ui.select | ui.input
                    if name == "country":
                        field = ui.select(
                            {
                                code: f"{label} ({code})"
                                for code, label in sorted(COUNTRIES.items(), key=lambda item: item[1])
                            },
                            label=labels.get(name, name),
                            with_input=True,
                        )
                    else:
                        field = ui.input(labels.get(name, name)).props(f"maxlength={LIMITS[name] + 20}")
                    self.inputs[name] = tid(field, f"identity-input-{name}").props("outlined dense")
                    if name == "email" and principal.acting is not None:
                        field.disable()  # an email change is the customer's own act
                        field.tooltip("Only the customer can change their email address")
            # The sign-in address is the key to the account: changing it needs the current password.
            self.password = (
                tid(
                    ui.input(
                        "Current password (needed to change your email address)",
                        password=True,
                        password_toggle_button=True,
                    ),
                    "identity-password",
                )
                .props("outlined dense autocomplete=current-password")
                .classes("w-full")
            )
            self.password.set_visibility(False)
            self.summary = tid(ui.column().classes("w-full gap-1"), "identity-changes")
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Cancel", on_click=self.dialog.close), "identity-cancel").props("flat no-caps")
                self.review_button = tid(ui.button("Review changes", on_click=self.review), "identity-review").props(
                    "no-caps unelevated"
                )
                self.submit_button = tid(ui.button("Submit correction", on_click=self.submit), "identity-submit").props(
                    "no-caps unelevated color=positive"
                )
                self.submit_button.set_visibility(False)

    async def open(self) -> None:
        current = await io_bound(rectification.current_identity, self.principal) or {}
        for name, element in self.inputs.items():
            element.value = current.get(name, "") or (None if name == "country" else "")
            element.error = None
        self.summary.clear()
        self.submit_button.set_visibility(False)
        self.password.value, self.password.error = "", None
        self.password.set_visibility(False)
        self.dialog.open()

    def _values(self) -> dict[str, object]:
        return {name: element.value or "" for name, element in self.inputs.items()}

    async def review(self) -> bool:
        result = await io_bound(rectification.preview, self.principal, self._values())
        assert result is not None
        validation, changes = result
        for name, element in self.inputs.items():
            element.error = validation.errors.get(name)
        self.summary.clear()
        with self.summary:
            if not validation.ok:
                tid(ui.label("Please correct the highlighted fields."), "identity-error").classes(
                    "text-negative text-sm"
                ).props('role="alert"')
            elif not changes:
                tid(ui.label("Nothing has changed."), "identity-error").classes("text-sm")
            else:
                ui.label("You are about to change:").classes("text-sm font-medium")
                for change in changes:
                    tid(
                        ui.label(f"{change.label}: {change.old or '—'} → {change.new or '—'}"),
                        f"identity-change-{change.field}",
                    ).classes("text-sm")
        ready = validation.ok and bool(changes)
        self.password.set_visibility(ready and any(change.field == "email" for change in changes))
        self.submit_button.set_visibility(ready)
        return ready

    async def submit(self) -> None:
        if not await self.review():
            return
        try:
            filed = await with_step_up(  # an email change on an account with a second factor confirms it here
                self.principal,
                self.client,
                lambda: io_bound(
                    rectification.submit,
                    self.principal,
                    self._values(),
                    idempotency_key=self.key,
                    password=self.password.value or "",
                    client=self.client,
                ),
            )
        except rectification.RectificationError as problem:
            if problem.field == "password":
                self.password.error = str(problem)
            ui.notify(str(problem), type="negative")
            return
        if filed is None:  # the check was cancelled: the form stays as typed
            return
        self.key = f"identity-{uuid.uuid4()}"
        self.password.value = ""
        self.dialog.close()
        message = "Your correction was filed and will show here in a moment."
        if filed.email_change_id:
            message += " We sent a link to your new email address: open it to confirm the change."
        ui.notify(message, type="positive", multi_line=True)
        if self.on_filed:
            await self.on_filed()
