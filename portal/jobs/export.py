"""export requests: the worker builds the ZIP (streamed, with a manifest) and the customer downloads it."""

from __future__ import annotations

from pydantic import BaseModel, model_validator

from ..i18n import N_, _
from ..queue.registry import JobContext, RequestType, register
from ..services.rights.exports import build_for_request, ensure_payload_ok
from .wording import in_subject_language


class ExportPayload(BaseModel):
    categories: list[str]
    formats: list[str]
    # The language the customer's pages spoke when they asked: the report's, unless their account names one.
    locale: str | None = None

    @model_validator(mode="after")
    def _known(self) -> ExportPayload:
        ensure_payload_ok(self.model_dump())
        return self


def _handle(context: JobContext) -> str:
    return build_for_request(context)


def register_types() -> None:
    register(
        RequestType(
            key="export",
            title=N_("Export of my data"),
            payload=ExportPayload,
            handler=in_subject_language(_handle),
            long_running=True,
            description=N_("A ZIP of your data in JSON, CSV and a readable HTML report."),
            headline=lambda request: _("Your data export is ready"),
        )
    )
