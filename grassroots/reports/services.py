"""Writes of the reports app: documents (made and stored once), the province's policy, its
templates, and the office's narrative paragraphs. Each is one transaction, audited."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.evaluation.schemes import latest_scheme_version, scheme_of
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Unit
from grassroots.organisations.scope import Action, can
from grassroots.reports.bulletin import build_bulletin, bulletin_inputs
from grassroots.reports.content import Content
from grassroots.reports.errors import ReportError
from grassroots.reports.models import (
    Document,
    Format,
    Narrative,
    NarrativeSection,
    Product,
    RankingMode,
    ReportPolicy,
    ReportTemplate,
    documents_dir,
)
from grassroots.reports.render.docx import render_docx
from grassroots.reports.render.pdf import render_pdf
from grassroots.reports.render.xlsx import render_xlsx
from grassroots.reports.selectors import province_of
from grassroots.reports.templates_spec import BUILTIN, SECTIONS, Template, from_spec


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int | None


def render(content: Content, fmt: str) -> Rendered:
    if fmt == Format.DOCX:
        return Rendered(render_docx(content), None)
    if fmt == Format.PDF:
        data, pages = render_pdf(content)
        return Rendered(data, pages)
    if fmt == Format.XLSX:
        return Rendered(render_xlsx(content), None)
    raise ReportError(_("Unknown format: %(format)s") % {"format": fmt})


def template_for(scope: Unit, product: str = Product.BULLETIN) -> Template:
    """The province's newest template of the product, or the built-in one."""
    stored = (
        ReportTemplate.objects.filter(province=province_of(scope), product=product)
        .order_by("-version")
        .first()
    )
    if stored is None:
        return BUILTIN
    return from_spec(stored.spec, version=f"{stored.province.code}-v{stored.version}")


def build_content(*, product: str, scope: Unit, period: str, user: Any) -> tuple[Content, Any]:
    """The document's content (in Chinese) and the inputs it was made from."""
    if product != Product.BULLETIN:
        raise ReportError(_("Unknown product: %(product)s") % {"product": product})
    template = template_for(scope, product)
    with translation.override("zh-hans"):
        inputs = bulletin_inputs(scope=scope, period=period, user=user, template=template)
        return build_bulletin(inputs), inputs


def _check_may_generate(user: Any, scope: Unit) -> None:
    if not can(user, Action.EXPORT_REPORTS, scope):
        raise ReportError(_("You may not generate documents for this unit."))


def generate_document(
    *, product: str, scope: Unit, period: str, fmt: str, actor: Any, reader: Any = None
) -> Document:
    """Make the document from the published run(s) and store it: the file under the data
    directory (mode 0600) and a row naming what it was made from. Nothing is stored when it
    cannot be made.

    ``actor`` None is the command line (the server's operator); it then reads as ``reader``, a
    user whose scope covers ``scope`` (the province administrator), and is recorded as no one.
    """
    if actor is not None:
        _check_may_generate(actor, scope)
        reader = actor
    elif reader is None or not can(reader, Action.VIEW_UNITS, scope):
        raise ReportError(_("No user to read the scope's data as."))
    if fmt not in Format.values:
        raise ReportError(_("Unknown format: %(format)s") % {"format": fmt})
    try:
        Period.parse(period)
    except InputError:
        raise ReportError(_("Not a period: %(period)s") % {"period": period}) from None
    content, inputs = build_content(product=product, scope=scope, period=period, user=reader)
    rendered = render(content, fmt)
    runs = inputs.runs
    versions = {
        str(run.pk): run.data_versions
        for run in (runs.now, runs.previous, runs.last_year)
        if run is not None
    }
    with transaction.atomic():
        document = Document(
            product=product,
            scope=scope,
            period=inputs.period.key,
            format=fmt,
            runs=runs.ids(),
            data_versions=versions,
            template_version=inputs.template.version,
            ranking=RankingMode.RANKING if inputs.ranking else RankingMode.ANALYSIS,
            number=content.header.number,
            issued_on=content.header.issued_on,
            sha256=hashlib.sha256(rendered.data).hexdigest(),
            size=len(rendered.data),
            pages=rendered.pages,
            generated_at=timezone.now(),
            generated_by=actor,
        )
        document.save()
        try:
            _write(document, rendered.data)
            audit.record(
                obj=document,
                action=AuditAction.CREATE,
                actor=actor,
                before=None,
                after=audit.snapshot(document),
            )
        except BaseException:
            # Nothing is stored when the document cannot be: no row, no file.
            document.path.unlink(missing_ok=True)
            raise
    return document


def _write(document: Document, data: bytes) -> None:
    folder = documents_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(document.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def read_document(document: Document) -> bytes:
    """The stored bytes, checked against the stored SHA-256."""
    data = document.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise ReportError(_("The stored file of this document has been changed."))
    return data


def set_policy(
    *, province: Unit, ranking: str, marking: str, issuer: str, actor: Any
) -> ReportPolicy:
    """The province's report policy (ranking mode, marking, issuing office); audited."""
    if province.level != Level.PROVINCE:
        raise ReportError(_("The report policy is set for a province."))
    if not _is_province_admin(actor, province):
        raise ReportError(_("Only the province administrator sets the report policy."))
    if ranking not in RankingMode.values:
        raise ReportError(_("Unknown ranking policy: %(mode)s") % {"mode": ranking})
    with transaction.atomic():
        policy = ReportPolicy.objects.select_for_update().filter(province=province).first()
        policy = policy or ReportPolicy(province=province)
        with audit.tracked(policy, actor=actor):
            policy.ranking, policy.marking, policy.issuer = ranking, marking.strip(), issuer.strip()
            policy.updated_at = timezone.now()
            policy.save()
    return policy


def _is_province_admin(actor: Any, province: Unit) -> bool:
    from grassroots.organisations.models import Role
    from grassroots.organisations.scope import membership_of

    membership = membership_of(actor)
    return (
        membership is not None
        and membership.role == Role.PROVINCE_ADMIN
        and province.path.startswith(membership.unit.path)
    )


def save_narrative(
    *, product: str, scope: Unit, period: str, section: str, text: str, actor: Any
) -> Narrative:
    """The office's paragraphs for a document; kept and used again whenever it is generated."""
    _check_may_generate(actor, scope)
    if section not in NarrativeSection.values:
        raise ReportError(_("Unknown section: %(section)s") % {"section": section})
    with transaction.atomic():
        narrative = (
            Narrative.objects.select_for_update()
            .filter(product=product, scope=scope, period=period, section=section)
            .first()
        ) or Narrative(product=product, scope=scope, period=period, section=section)
        with audit.tracked(narrative, actor=actor):
            narrative.text = text.strip()
            narrative.updated_at = timezone.now()
            narrative.save()
    return narrative


def save_template(
    *, province: Unit, product: str, spec: dict[str, Any], actor: Any
) -> ReportTemplate:
    """A new version of the province's template. Every indicator it names must be in the
    scheme's catalogue, every section known; otherwise nothing is stored."""
    if not _is_province_admin(actor, province):
        raise ReportError(_("Only the province administrator edits templates."))
    _check_spec(spec)
    with transaction.atomic():
        last = (
            ReportTemplate.objects.select_for_update()
            .filter(province=province, product=product)
            .order_by("-version")
            .first()
        )
        template = ReportTemplate(
            province=province,
            product=product,
            version=(last.version + 1) if last else 1,
            spec=from_spec(spec, version="").as_spec(),
            created_at=timezone.now(),
            created_by=actor,
        )
        template.save()
        audit.record(
            obj=template,
            action=AuditAction.CREATE,
            actor=actor,
            before=None,
            after=audit.snapshot(template),
        )
    return template


def _check_spec(spec: dict[str, Any]) -> None:
    unknown = [s for s in spec.get("sections") or () if s not in SECTIONS]
    if unknown:
        raise ReportError(_("Unknown sections: %(names)s") % {"names": ", ".join(unknown)})
    scheme_code = str(spec.get("scheme") or "core-business")
    version = latest_scheme_version(scheme_code)
    scheme = scheme_of(version)
    known = {leaf.indicator or leaf.code for leaf in scheme.leaves()}
    if scheme.catalogue:
        known &= set(load_catalogue(scheme.catalogue).indicators)
    missing = [i for i in spec.get("indicators") or () if i not in known]
    if missing:
        raise ReportError(
            _("The template names indicators the catalogue lacks: %(names)s")
            % {"names": ", ".join(missing)}
        )
