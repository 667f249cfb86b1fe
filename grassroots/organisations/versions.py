"""Versioned YAML owned by a province: the one save mechanism of schemes, catalogues and exit
standards (issue 19.5).

A text is stored as numbered versions; adding one never changes an earlier one, an unchanged
text adds none, and every version is audited with its province, so that province's auditors
see it. A version belongs to the province that made it. The national default (``province``
empty) is what ships with the system: a province that edits it first gets a copy of it as its
own version 1, so the Henan administrator's edit is Henan's and never Shandong's.

Each app keeps its model (``SchemeVersion``, ``CatalogueVersion``, ``ExitStandard``), built on
``ProvinceVersion``, and its own check of the text; this module numbers, stores and reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Unit

COPIED_NOTE = gettext_noop("national default copied")  # stored as is, shown translated
SHIPPED_NOTES = {COPIED_NOTE, gettext_noop("shipped scheme")}


class ProvinceVersion(models.Model):
    """One version of a YAML text, owned by a province (empty: the shipped national default).

    ``KEY``: the fields besides the province that name the text (a scheme's or catalogue's
    ``code``; none for the exit standard, of which a province has one)."""

    KEY: ClassVar[tuple[str, ...]] = ()

    province = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    version = models.PositiveIntegerField(_("version"))
    yaml_text = models.TextField(_("YAML"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        abstract = True

    @property
    def note_label(self) -> str:
        """The note in the page's language: the notes the system writes are translated, a
        person's note is shown as written."""
        return gettext(self.note) if self.note in SHIPPED_NOTES else self.note

    @property
    def audit_unit_code(self) -> str:
        """The province whose auditors see this version's entries ("": the nation's)."""
        return self.province.code if self.province is not None else ""

    @property
    def is_national(self) -> bool:
        return self.province_id is None

    def stamp_creator(self, actor: Any) -> None:
        """Record who made the version (each model keeps its own ``created_by`` field)."""
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        self.created_by = actor if authenticated else None


V = TypeVar("V", bound=ProvinceVersion)
# The fields a model takes from a version's text besides the text itself (a scheme's titles).
FieldsOf = Callable[[str], dict[str, Any]]


def province_of(unit: Unit | None) -> Unit | None:
    """The province a unit lies in (the unit itself for a province; None for the nation)."""
    if unit is None:
        return None
    if unit.level == Level.PROVINCE:
        return unit
    if unit.level == Level.NATION:
        return None
    codes = [c for c in unit.path.split("/") if c]
    return Unit.objects.filter(code__in=codes, level=Level.PROVINCE).first()


def owner_for(user: Any) -> Unit | None:
    """The province whose versions ``user`` reads and writes (None: the nation's defaults)."""
    from grassroots.organisations.scope import membership_of

    membership = membership_of(user)
    return province_of(membership.unit) if membership is not None else None


def _own(model: type[V], province: Unit | None, key: dict[str, Any]) -> QuerySet[V]:
    return model._default_manager.filter(province=province, **key)


def history(model: type[V], *, province: Unit | None, **key: Any) -> list[V]:
    """The province's own versions, newest first (the national ones for ``province=None``)."""
    return list(_own(model, province, key).order_by("-version"))


def latest(model: type[V], *, province: Unit | None, **key: Any) -> V | None:
    """The province's own newest version (the national one for ``province=None``)."""
    return _own(model, province, key).order_by("-version").first()


def current(model: type[V], *, province: Unit | None, **key: Any) -> V | None:
    """What the province uses: its own newest version, else the national default's newest."""
    found = latest(model, province=province, **key)
    if found is None and province is not None:
        found = latest(model, province=None, **key)
    return found


@transaction.atomic
def save_version(
    model: type[V],
    *,
    province: Unit | None,
    yaml_text: str,
    actor: Any,
    note: str = "",
    default_text: Callable[[], str] | None = None,
    fields_of: FieldsOf | None = None,
    **key: Any,
) -> V:
    """Store ``yaml_text`` as the province's next version (audited); the caller has checked it.

    An unchanged text adds no version. A province's first edit starts from a copy of the
    national default as its version 1 (``default_text``: the shipped text, when the nation has
    no stored version), so the history shows what the province changed."""
    if province is not None and latest(model, province=province, **key) is None:
        own_copy(
            model,
            province=province,
            actor=actor,
            default_text=default_text,
            fields_of=fields_of,
            **key,
        )
    newest = _own(model, province, key).select_for_update().order_by("-version").first()
    if newest is not None and newest.yaml_text == yaml_text:
        return newest
    return _create(
        model,
        province=province,
        version=(newest.version + 1) if newest else 1,
        yaml_text=yaml_text,
        actor=actor,
        note=note,
        key=key,
        fields_of=fields_of,
    )


def own_copy(
    model: type[V],
    *,
    province: Unit | None,
    actor: Any = None,
    default_text: Callable[[], str] | None = None,
    note: str = COPIED_NOTE,
    fields_of: FieldsOf | None = None,
    **key: Any,
) -> V:
    """The province's newest version; the first call copies the national default (its newest
    stored version, else ``default_text()``) as the province's version 1."""
    found = latest(model, province=province, **key)
    if found is not None:
        return found
    national = latest(model, province=None, **key) if province is not None else None
    if national is not None:
        text = national.yaml_text
    elif default_text is not None:
        text = default_text()
    else:
        raise LookupError(f"no national default of {model.__name__} {key}")
    # Two first uses at once: the unique version number lets one win; the other reads it.
    try:
        with transaction.atomic():
            return _create(
                model,
                province=province,
                version=1,
                yaml_text=text,
                actor=actor,
                note=note,
                key=key,
                fields_of=fields_of,
            )
    except IntegrityError:
        found = latest(model, province=province, **key)
        if found is None:
            raise
        return found


def _create(
    model: type[V],
    *,
    province: Unit | None,
    version: int,
    yaml_text: str,
    actor: Any,
    note: str,
    key: dict[str, Any],
    fields_of: FieldsOf | None = None,
) -> V:
    obj = model(
        province=province,
        version=version,
        yaml_text=yaml_text,
        note=note[:500],
        created_at=timezone.now(),
        **key,
        **(fields_of(yaml_text) if fields_of is not None else {}),
    )
    obj.stamp_creator(actor)
    obj.save()
    audit.record(
        obj=obj,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after=audit.snapshot(obj, exclude=("yaml_text",)),
        reason=note,
    )
    return obj


def version_constraints(label: str, *key: str) -> list[models.BaseConstraint]:
    """One version number per province and key, and per key among the national versions."""
    return [
        models.UniqueConstraint(
            fields=["province", *key, "version"],
            condition=models.Q(province__isnull=False),
            name=f"{label}_province_version_unique",
        ),
        models.UniqueConstraint(
            fields=[*key, "version"],
            condition=models.Q(province__isnull=True),
            name=f"{label}_national_version_unique",
        ),
    ]
