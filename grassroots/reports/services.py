"""Writes of the reports app: documents (made and stored once), the province's policy, its
templates, and the office's narrative paragraphs. Each is one transaction, audited."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.evaluation.schemes import latest_scheme_version, scheme_of
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Unit
from grassroots.organisations.scope import Action, can
from grassroots.reports.bulletin import (
    build_bulletin,
    bulletin_inputs,
    find_runs,
    shipped_catalogue,
)
from grassroots.reports.content import Content
from grassroots.reports.errors import ReportError
from grassroots.reports.models import (
    Document,
    Format,
    JobStep,
    Narrative,
    NarrativeSection,
    Product,
    RankingMode,
    ReportPolicy,
    ReportTemplate,
    documents_dir,
)
from grassroots.reports.products import (
    Made,
    exit_assessment_for,
    exit_record,
    plan_progress,
    unit_profile,
)
from grassroots.reports.render.docx import render_docx
from grassroots.reports.render.pdf import render_pdf
from grassroots.reports.render.xlsx import render_xlsx
from grassroots.reports.selectors import forget_pages_show_ranks, province_of
from grassroots.reports.templates_spec import (
    PRODUCT_SECTIONS,
    Template,
    builtin,
    from_spec,
    period_fits,
)


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
        return builtin(product)
    return from_spec(
        stored.spec, version=f"{stored.province.code}-v{stored.version}", product=product
    )


PERIOD_HINTS = {
    Product.MONTHLY: "2024-12",
    Product.HALF_YEAR: "2024Q2-YTD",
    Product.ANNUAL: "2024",
}


Progress = Callable[[str, int], None]


def _no_progress(step: str, percent: int) -> None:
    """Where progress goes when no one follows it (the command line, the API)."""


# The products made from published evaluation runs (the others read assistance's records).
RUN_PRODUCTS = frozenset(
    {Product.BULLETIN, Product.MONTHLY, Product.HALF_YEAR, Product.ANNUAL, Product.UNIT_PROFILE}
)


def _checked(product: str, scope: Unit, period: str) -> tuple[Period, Template]:
    """The period and template of a request that is not plainly wrong: a known product, a
    period that fits it, a scope of the right level, a template naming only indicators the
    catalogue has. Cheap: the request checks it before queueing, the worker again."""
    if product not in Product.values:
        raise ReportError(_("Unknown product: %(product)s") % {"product": product})
    try:
        parsed = Period.parse(period)
    except InputError:
        raise ReportError(_("Not a period: %(period)s") % {"period": period}) from None
    if not period_fits(product, parsed):
        raise ReportError(
            _("The %(product)s is made for a period like %(example)s, not %(period)s.")
            % {
                "product": Product(product).label,
                "example": PERIOD_HINTS.get(Product(product), ""),
                "period": parsed.key,
            }
        )
    if product == Product.UNIT_PROFILE and scope.level != Level.GRASSROOTS:
        raise ReportError(
            _("The unit profile is made for a grassroots unit, not for %(scope)s.")
            % {"scope": scope.name_zh}
        )
    if product == Product.EXIT_RECORD and scope.level != Level.GRASSROOTS:
        raise ReportError(
            _("The %(product)s is made for a grassroots unit, not for %(scope)s.")
            % {"product": _("exit-assessment record"), "scope": scope.name_zh}
        )
    template = template_for(scope, product)
    if template.indicators:
        _check_indicators(template.scheme, sorted(template.indicators))
    return parsed, template


def check_request(*, product: str, scope: Unit, period: str, fmt: str, user: Any) -> None:
    """Refuse at once what cannot be made (the page runs this before it queues a job): a scope
    outside the user's, an unknown format, a period that does not fit, an indicator the
    catalogue lacks, no published run of the period (no exit assessment for the record)."""
    _check_may_generate(user, scope)
    if fmt not in Format.values:
        raise ReportError(_("Unknown format: %(format)s") % {"format": fmt})
    parsed, template = _checked(product, scope, period)
    _check_sources(product, scope, parsed, template, user)


def _check_sources(
    product: str, scope: Unit, parsed: Period, template: Template, user: Any
) -> None:
    if product in RUN_PRODUCTS:
        find_runs(scope, parsed.key, template.scheme)
    elif product == Product.EXIT_RECORD:
        exit_assessment_for(user, scope, parsed)


def build_content(
    *, product: str, scope: Unit, period: str, user: Any, progress: Progress = _no_progress
) -> Made:
    """The document's content (in Chinese) and what it was made from. The checks run first, in
    the caller's language (a failure's message is the user's); the content is Chinese."""
    parsed, template = _checked(product, scope, period)
    _check_sources(product, scope, parsed, template, user)
    progress(JobStep.READING, 10)
    with translation.override("zh-hans"):
        if product == Product.PLAN_PROGRESS:
            content, used = plan_progress(scope=scope, period=parsed, user=user, template=template)
            return Made(content, parsed.key, template, False, runs=used)
        if product == Product.EXIT_RECORD:
            content, used = exit_record(scope=scope, period=parsed, user=user, template=template)
            return Made(content, parsed.key, template, False, runs=used)
        inputs = bulletin_inputs(
            scope=scope, period=parsed.key, user=user, template=template, product=product
        )
        progress(JobStep.WRITING, 25)
        content = (
            unit_profile(inputs) if product == Product.UNIT_PROFILE else build_bulletin(inputs)
        )
        runs = inputs.runs
        versions = {
            str(run.pk): run.data_versions
            for run in (runs.now, runs.previous, runs.last_year)
            if run is not None
        }
        return Made(content, inputs.period.key, template, inputs.ranking, runs.ids(), versions)


def _check_may_generate(user: Any, scope: Unit) -> None:
    if not can(user, Action.EXPORT_REPORTS, scope):
        raise ReportError(_("You may not generate documents for this unit."))


def generate_document(
    *,
    product: str,
    scope: Unit,
    period: str,
    fmt: str,
    actor: Any,
    reader: Any = None,
    progress: Progress = _no_progress,
) -> Document:
    """Make the document from the published run(s) and store it: the file under the data
    directory (mode 0600) and a row naming what it was made from. Nothing is stored when it
    cannot be made.

    ``actor`` None is the command line (the server's operator); it then reads as ``reader``, a
    user whose scope covers ``scope`` (the province administrator), and is recorded as no one.
    ``progress(step, percent)`` is told each step (the background worker writes it on its job).
    """
    progress(JobStep.CHECKING, 5)
    if actor is not None:
        _check_may_generate(actor, scope)
        reader = actor
    elif reader is None or not can(reader, Action.VIEW_UNITS, scope):
        raise ReportError(_("No user to read the scope's data as."))
    if fmt not in Format.values:
        raise ReportError(_("Unknown format: %(format)s") % {"format": fmt})
    made = build_content(
        product=product, scope=scope, period=period, user=reader, progress=progress
    )
    content = made.content
    progress(JobStep.RENDERING, 50)
    rendered = render(content, fmt)
    progress(JobStep.STORING, 95)
    with transaction.atomic():
        document = Document(
            product=product,
            scope=scope,
            period=made.period,
            format=fmt,
            runs=made.runs,
            data_versions=made.data_versions,
            template_version=made.template.version,
            ranking=RankingMode.RANKING if made.ranking else RankingMode.ANALYSIS,
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
    forget_pages_show_ranks(actor)
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
    _check_spec(spec, product)
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
            spec=from_spec(spec, version="", product=product).as_spec(),
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


def template_text(template: Template) -> str:
    """The template as the editor shows it (YAML, Chinese as it is)."""
    import yaml

    spec = template.as_spec()
    spec.pop("scheme", None)
    text = str(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    return text.replace("marking: null\n", "marking:\n")  # empty: the province's policy


def _check_spec(spec: dict[str, Any], product: str) -> None:
    if product not in Product.values:
        raise ReportError(_("Unknown product: %(product)s") % {"product": product})
    known_sections = PRODUCT_SECTIONS.get(product, ())
    unknown = [s for s in spec.get("sections") or () if s not in known_sections]
    if unknown:
        raise ReportError(_("Unknown sections: %(names)s") % {"names": ", ".join(unknown)})
    _check_indicators(str(spec.get("scheme") or "core-business"), spec.get("indicators") or ())


def _check_indicators(scheme_code: str, indicators: Any) -> None:
    """Every indicator a template names is in the scheme's catalogue (checked when the template
    is saved and again when a document is made: a catalogue may have changed since)."""
    version = latest_scheme_version(scheme_code)
    scheme = scheme_of(version)
    known = {leaf.indicator or leaf.code for leaf in scheme.leaves()}
    if scheme.catalogue:
        known &= set(shipped_catalogue(scheme.catalogue).indicators)
    missing = [i for i in indicators if i not in known]
    if missing:
        raise ReportError(
            _("The template names indicators the catalogue lacks: %(names)s")
            % {"names": ", ".join(missing)}
        )
