"""Writes of the library: keyword-only, one transaction each, audited, the search index kept.

Every write checks the actor (``permissions.py``) and raises ``PermissionDenied`` when refused;
a rule broken by the input is a ``LibraryError`` whose ``problems`` map a field to a message in
the user's language. Rich text is sanitised here, whatever the page or endpoint sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.files import disk_name, private
from grassroots.library.models import (
    LEVEL_ORDER,
    STATUS_ORDER,
    Article,
    ArticleStatus,
    Attachment,
    Brand,
    BrandAward,
    BrandGoal,
    Case,
    CaseEntry,
    Column,
    DocKind,
    EntryStatus,
    Honour,
    SearchDocument,
    attachments_dir,
)
from grassroots.library.permissions import is_province, may_write
from grassroots.library.sanitise import clean
from grassroots.library.search import plain_text, tokens
from grassroots.organisations.audit import delete, tracked
from grassroots.organisations.models import Unit
from grassroots.people.models import Person

Actor = Any

# Attachments: documents and pictures, at most 20 MB, the content matching the extension.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class LibraryError(ValueError):
    """The input breaks a rule; ``problems`` maps a field to a message for the user."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


def _require_writer(actor: Actor, unit: Unit) -> None:
    if not may_write(actor, unit):
        raise PermissionDenied(f"may not write the library items of {unit.code}")


def _require_province(actor: Actor, unit: Unit) -> None:
    if not is_province(actor, unit):
        raise PermissionDenied("only the province reviews")


def _assign(obj: Model, fields: Mapping[str, Any], rich: Sequence[str] = ()) -> None:
    for name, value in fields.items():
        setattr(obj, name, clean(value) if name in rich else value)


# ------------------------------------------------------------------------------ search index


def _document(kind: DocKind, obj_id: int, unit: Unit, **fields: Any) -> None:
    fields["words"] = len(fields["tokens"].split())
    SearchDocument.objects.update_or_create(
        kind=kind, object_id=obj_id, defaults={"unit": unit, **fields}
    )


def index_case(case: Case) -> None:
    entries = list(case.entries.all())
    levels = [e.level for e in entries]
    top = next((str(level) for level in LEVEL_ORDER if level in levels), "")
    dates = [e.status_date for e in entries]
    _document(
        DocKind.CASE,
        case.pk,
        case.unit,
        title=case.title[:200],
        level=top,
        line=case.business_line,
        year=max(dates).year if dates else case.created.year,
        visible_to_all=any(e.status == EntryStatus.FINAL for e in entries),
        tokens=tokens(
            [case.title, case.keywords, case.gist, plain_text(case.body)]
            + [f"{e.programme} {e.batch} {e.grade}" for e in entries]
        ),
    )


def index_article(article: Article) -> None:
    on = article.published_on or article.created.date()
    _document(
        DocKind.ARTICLE,
        article.pk,
        article.unit,
        title=article.title[:200],
        level="",
        line=article.business_line,
        year=on.year,
        visible_to_all=article.status == ArticleStatus.PUBLISHED,
        tokens=tokens(
            [
                article.title,
                article.column.name_zh,
                article.author,
                article.keywords,
                article.summary,
                plain_text(article.body),
            ]
        ),
    )


def index_brand(brand: Brand) -> None:
    awards = list(brand.awards.all())
    goals = list(brand.goals.all())
    _document(
        DocKind.BRAND,
        brand.pk,
        brand.unit,
        title=brand.name[:200],
        level="",
        line=brand.business_line,
        year=(brand.started_on or brand.created.date()).year,
        visible_to_all=False,
        tokens=tokens(
            [brand.name, plain_text(brand.description), plain_text(brand.plan)]
            + [f"{a.title} {a.awarding_body}" for a in awards]
            + [g.goal for g in goals]
        ),
    )


def index_honour(honour: Honour) -> None:
    _document(
        DocKind.HONOUR,
        honour.pk,
        honour.unit,
        title=honour.title[:200],
        level="",
        line="",
        year=honour.awarded_on.year,
        visible_to_all=False,
        tokens=tokens(
            [honour.title, honour.awarding_body, honour.person.name if honour.person else ""]
        ),
    )


def _unindex(kind: DocKind, obj_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=obj_id).delete()


# ------------------------------------------------------------------------------------ cases

CASE_FIELDS = ("title", "kind", "business_line", "case_number", "keywords", "gist", "body")


@transaction.atomic
def save_case(
    *,
    actor: Actor,
    unit: Unit,
    fields: Mapping[str, Any],
    prosecutors: Sequence[Person] = (),
    case: Case | None = None,
) -> Case:
    """Create a case of ``unit`` or change one; its prosecutors must be of its unit."""
    _require_writer(actor, unit)
    if case is not None and case.unit_id != unit.pk:
        raise PermissionDenied("the case belongs to another unit")
    strangers = [p.name for p in prosecutors if p.unit_id != unit.pk]
    if strangers:
        raise LibraryError(
            {
                "prosecutors": _("Not on this unit's roster: %(names)s.")
                % {"names": ", ".join(strangers)}
            }
        )
    number = str(fields.get("case_number") or "").strip()
    clash = Case.objects.filter(unit=unit, case_number=number).exclude(pk=case.pk if case else 0)
    if number and clash.exists():
        raise LibraryError(
            {
                "case_number": _(
                    "This unit already has case %(number)s: add a programme entry to it instead "
                    "of entering it again."
                )
                % {"number": number}
            }
        )
    case = case or Case(unit=unit)
    with tracked(case, actor=actor):
        _assign(case, {k: v for k, v in fields.items() if k in CASE_FIELDS}, rich=("body",))
        case.case_number = number
        case.save()
    before = sorted(case.prosecutors.values_list("pk", flat=True))
    after = sorted(p.pk for p in prosecutors)
    if before != after:
        with tracked(case, actor=actor, reason=f"prosecutors {before} -> {after}"):
            case.prosecutors.set(prosecutors)
            case.save(update_fields=["updated"])
    index_case(case)
    return case


@transaction.atomic
def add_entry(
    *,
    actor: Actor,
    case: Case,
    programme: str,
    batch: str,
    level: str,
    on: dt.date,
) -> CaseEntry:
    """Enter the case in a programme (it starts at 培育). The same programme and batch twice is
    refused: the case is already entered there."""
    _require_writer(actor, case.unit)
    programme, batch = programme.strip(), batch.strip()
    if CaseEntry.objects.filter(case=case, programme=programme, batch=batch).exists():
        raise LibraryError({"programme": _("The case is already entered in this programme.")})
    entry = CaseEntry(case=case, programme=programme, batch=batch, level=level, status_date=on)
    with tracked(entry, actor=actor):
        entry.save()
    index_case(case)
    return entry


def next_status(entry: CaseEntry) -> EntryStatus | None:
    index = STATUS_ORDER.index(EntryStatus(entry.status))
    return STATUS_ORDER[index + 1] if index + 1 < len(STATUS_ORDER) else None


@transaction.atomic
def advance_entry(
    *, actor: Actor, entry: CaseEntry, on: dt.date, grade: str = "", reason: str = ""
) -> CaseEntry:
    """Move the entry one step along 培育 → 推荐 → 初评 → 入围公示 → 定评.

    The unit (its clerk) recommends; the province does the steps after; the final result names
    the grade.
    """
    step = next_status(entry)
    if step is None:
        raise LibraryError({"status": _("The entry already has its final result.")})
    if step == EntryStatus.RECOMMENDED:
        _require_writer(actor, entry.case.unit)
    else:
        _require_province(actor, entry.case.unit)
    if step == EntryStatus.FINAL and not grade.strip():
        raise LibraryError({"grade": _("Give the grade of the final result.")})
    if on < entry.status_date:
        raise LibraryError({"on": _("The date cannot be before the previous step's.")})
    with tracked(entry, actor=actor, reason=reason):
        entry.status = step
        entry.status_date = on
        if step == EntryStatus.FINAL:
            entry.grade = grade.strip()
        entry.save()
    index_case(entry.case)
    return entry


# --------------------------------------------------------------------------------- articles

ARTICLE_FIELDS = ("title", "author", "business_line", "keywords", "summary", "body")


@transaction.atomic
def save_column(
    *, actor: Actor, province: Unit, name_zh: str, name_en: str = "", position: int = 0
) -> Column:
    _require_province(actor, province)
    column = Column.objects.filter(province=province, name_zh=name_zh.strip()).first() or Column(
        province=province, name_zh=name_zh.strip()
    )
    with tracked(column, actor=actor):
        column.name_en = name_en.strip()
        column.position = position
        column.save()
    return column


@transaction.atomic
def save_article(
    *,
    actor: Actor,
    unit: Unit,
    column: Column,
    fields: Mapping[str, Any],
    article: Article | None = None,
) -> Article:
    """Write a draft (or change a returned one); a published article is changed by the province
    only."""
    _require_writer(actor, unit)
    if not unit.path.startswith(column.province.path):
        raise LibraryError({"column": _("The column is of another province.")})
    if article is not None:
        if article.unit_id != unit.pk:
            raise PermissionDenied("the article belongs to another unit")
        if article.status in (ArticleStatus.SUBMITTED, ArticleStatus.PUBLISHED) and not (
            is_province(actor, unit)
        ):
            raise LibraryError({"status": _("A submitted or published article cannot be changed.")})
    article = article or Article(unit=unit)
    with tracked(article, actor=actor):
        _assign(article, {k: v for k, v in fields.items() if k in ARTICLE_FIELDS}, rich=("body",))
        article.column = column
        article.save()
    index_article(article)
    return article


@transaction.atomic
def submit_article(*, actor: Actor, article: Article) -> Article:
    _require_writer(actor, article.unit)
    if article.status not in (ArticleStatus.DRAFT, ArticleStatus.RETURNED):
        raise LibraryError({"status": _("Only a draft or a returned article can be submitted.")})
    with tracked(article, actor=actor, reason="submitted for review"):
        article.status = ArticleStatus.SUBMITTED
        article.save()
    index_article(article)
    return article


@transaction.atomic
def review_article(
    *, actor: Actor, article: Article, publish: bool, note: str = "", on: dt.date | None = None
) -> Article:
    """The province publishes a submitted article (dated ``on``) or returns it with a note."""
    _require_province(actor, article.unit)
    if article.status != ArticleStatus.SUBMITTED:
        raise LibraryError({"status": _("Only a submitted article can be reviewed.")})
    if not publish and not note.strip():
        raise LibraryError({"note": _("Say why the article is returned.")})
    with tracked(article, actor=actor, reason="published" if publish else "returned"):
        article.status = ArticleStatus.PUBLISHED if publish else ArticleStatus.RETURNED
        article.review_note = note.strip()[:500]
        article.published_on = (on or timezone.localdate()) if publish else None
        article.save()
    index_article(article)
    return article


# ----------------------------------------------------------------------------------- brands

BRAND_FIELDS = ("name", "brand_type", "business_line", "description", "plan", "started_on")


@transaction.atomic
def save_brand(
    *, actor: Actor, unit: Unit, fields: Mapping[str, Any], brand: Brand | None = None
) -> Brand:
    _require_writer(actor, unit)
    if brand is not None and brand.unit_id != unit.pk:
        raise PermissionDenied("the brand belongs to another unit")
    name = str(fields.get("name") or "").strip()
    if Brand.objects.filter(unit=unit, name=name).exclude(pk=brand.pk if brand else 0).exists():
        raise LibraryError({"name": _("This unit already has a brand of this name.")})
    brand = brand or Brand(unit=unit)
    with tracked(brand, actor=actor):
        _assign(
            brand,
            {k: v for k, v in fields.items() if k in BRAND_FIELDS},
            rich=("description", "plan"),
        )
        brand.name = name
        brand.save()
    index_brand(brand)
    return brand


@transaction.atomic
def save_goal(
    *,
    actor: Actor,
    brand: Brand,
    stage: int,
    goal: str,
    due: dt.date,
    status: str,
    instance: BrandGoal | None = None,
) -> BrandGoal:
    _require_writer(actor, brand.unit)
    item = instance or BrandGoal(brand=brand)
    if item.brand_id != brand.pk:
        raise PermissionDenied("the goal belongs to another brand")
    with tracked(item, actor=actor):
        item.stage, item.goal, item.due, item.status = stage, goal.strip(), due, status
        item.save()
    index_brand(brand)
    return item


@transaction.atomic
def add_award(
    *, actor: Actor, brand: Brand, title: str, level: str, on: dt.date, awarding_body: str
) -> BrandAward:
    _require_writer(actor, brand.unit)
    award = BrandAward(
        brand=brand, title=title.strip(), level=level, awarded_on=on, awarding_body=awarding_body
    )
    with tracked(award, actor=actor):
        award.save()
    index_brand(brand)
    return award


# ---------------------------------------------------------------------------------- honours


@transaction.atomic
def save_honour(
    *,
    actor: Actor,
    unit: Unit,
    title: str,
    level: str,
    on: dt.date,
    awarding_body: str,
    person: Person | None = None,
    honour: Honour | None = None,
) -> Honour:
    _require_writer(actor, unit)
    if honour is not None and honour.unit_id != unit.pk:
        raise PermissionDenied("the honour belongs to another unit")
    if person is not None and person.unit_id != unit.pk:
        raise LibraryError({"person": _("The person is not on this unit's roster.")})
    honour = honour or Honour(unit=unit)
    with tracked(honour, actor=actor):
        honour.title, honour.level, honour.awarded_on = title.strip(), level, on
        honour.awarding_body, honour.person = awarding_body.strip(), person
        honour.save()
    index_honour(honour)
    return honour


@transaction.atomic
def delete_honour(*, actor: Actor, honour: Honour) -> None:
    _require_writer(actor, honour.unit)
    _unindex(DocKind.HONOUR, honour.pk)
    delete(honour, actor=actor)


# ------------------------------------------------------------------------------ attachments


def attachment_problem(name: str, size: int, head: bytes) -> str | None:
    """Why a file cannot be attached (type, size, content), or None when it can."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SIGNATURES:
        return _("%(suffix)s files are not allowed; use one of %(allowed)s.") % {
            "suffix": suffix or _("Files without an extension"),
            "allowed": ", ".join(sorted(SIGNATURES)),
        }
    if size == 0:
        return _("%(name)s is empty.") % {"name": name}
    if size > MAX_ATTACHMENT_BYTES:
        return _("%(name)s is larger than 20 MB.") % {"name": name}
    if not head.startswith(SIGNATURES[suffix]):
        return _("%(name)s is not a %(suffix)s file.") % {"name": name, "suffix": suffix}
    return None


@transaction.atomic
def attach(
    *,
    actor: Actor,
    name: str,
    content: bytes,
    case: Case | None = None,
    article: Article | None = None,
) -> Attachment:
    """Keep a file of a case or an article under the data directory (0600), never public."""
    owner_unit = case.unit if case is not None else article.unit if article is not None else None
    if owner_unit is None or (case is not None and article is not None):
        raise ValueError("attach to one case or one article")
    _require_writer(actor, owner_unit)
    name = disk_name(name)
    if (wrong := attachment_problem(name, len(content), content[:16])) is not None:
        raise LibraryError({"file": wrong})
    item = Attachment(
        case=case,
        article=article,
        filename=name,
        content_type=CONTENT_TYPES[PurePath(name).suffix.lower()],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    with tracked(item, actor=actor):
        item.save()
    folder = attachments_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    item.path.write_bytes(content)
    private(item.path)
    return item


@transaction.atomic
def remove_attachment(*, actor: Actor, attachment: Attachment) -> None:
    _require_writer(actor, attachment.owner_unit)
    path = attachment.path
    delete(attachment, actor=actor)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
