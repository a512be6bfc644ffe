"""Word documents: the prep guide, the manager's guide and the documentation form.

Public contract (the reconcile loop relies on these names)::

    from plugin.documents import (
        TalkContext, ManagerContext, FormReading, DocumentError,
        render_prep_guide, render_form, render_manager_guide, read_form, FORM_FIELDS,
    )
    render_prep_guide(ctx: TalkContext, *, templates_dir=None) -> bytes   # the questionnaire
    render_form(ctx: TalkContext, *, templates_dir=None) -> bytes         # stamped with FormId
    render_manager_guide(ctx: ManagerContext, *, templates_dir=None) -> bytes
    read_form(data: bytes, *, max_bytes=20 MiB, templates_dir=None) -> FormReading
    choose_language(preferred_language: str | None, default: str = "sv") -> "sv" | "en"
    check_template(data: bytes, *, kind=None, name="") -> tuple[str, ...]   # empty: valid

``FormReading`` has ``form_id`` (:class:`FormId` with ``campaign_id``, ``employee_id`` and
``key``, or None), ``fields`` (every tag of ``FORM_FIELDS``), ``employee_confirmed``,
``manager_confirmed``, ``complete``, ``problems`` (readable, never quoting the form's text),
``unread`` (tags not read at all), ``language``, ``saved_by_libreoffice`` and
``filed_fields()`` (SharePoint column → value; ``health_notes`` and ``manager_feedback`` are
never included). A caller must compare ``form_id`` with the talk whose folder the file came
from: a form copied into the wrong folder carries another employee's id.

Errors: :class:`DocumentError` (a ``ValueError``) with :class:`NotADocxError`,
:class:`DamagedDocumentError`, :class:`OversizedDocumentError` (with :class:`FormTooLargeError`
for a form over the reading budget, ``budget``), :class:`HostileDocumentError`
and :class:`TemplateError`. Module roles: ``model`` (values), ``oxml``, ``oxml_read`` and
``oxml_build`` (all XML), ``safety`` (zip and XML limits), ``budget`` (how much of one form is
read), ``placeholders``, ``render``, ``read`` (with ``read_fields``, ``boilerplate`` and
``shared_parts``), ``check``, ``command`` (CLI).
"""
from plugin.documents.check import check_template
from plugin.documents.model import (
    FORM_FIELDS,
    DamagedDocumentError,
    DocumentError,
    FieldSpec,
    FormId,
    FormReading,
    FormTooLargeError,
    HostileDocumentError,
    ManagerContext,
    NotADocxError,
    OversizedDocumentError,
    TalkContext,
    TemplateError,
    choose_language,
)
from plugin.documents.read import read_form
from plugin.documents.render import render_form, render_manager_guide, render_prep_guide

__all__ = [
    "FORM_FIELDS", "DamagedDocumentError", "DocumentError", "FieldSpec", "FormId", "FormReading",
    "FormTooLargeError", "HostileDocumentError", "ManagerContext", "NotADocxError", "OversizedDocumentError",
    "TalkContext", "TemplateError", "check_template", "choose_language", "read_form",
    "render_form", "render_manager_guide", "render_prep_guide",
]
