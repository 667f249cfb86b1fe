"""What a reader sees instead of codes: choice labels in the audit log, a styled 403 page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from grassroots.organisations.models import Role
from grassroots.web.templatetags.grassroots import audit_changes

pytestmark = pytest.mark.django_db


def test_the_audit_log_shows_a_choice_by_its_label_not_its_stored_value() -> None:
    entry = SimpleNamespace(
        model="organisations.unit",
        before={"kind": "regular", "headcount": 61},
        after={"kind": "railway", "headcount": 70},
    )
    with translation.override("zh-hans"):
        changes = {field: (old, new) for field, old, new in audit_changes(entry)}
    assert changes["类型"] == ("普通", "铁路运输")
    assert changes["在编人数"] == (61, 70)  # a field without choices is shown as stored


def test_an_unknown_stored_choice_is_shown_as_it_is() -> None:
    entry = SimpleNamespace(model="organisations.unit", before={}, after={"kind": "moon"})
    assert [new for _field, _old, new in audit_changes(entry)] == ["moon"]


def test_a_role_refused_a_page_gets_the_sites_403_page(login_as) -> None:
    response = login_as(Role.CITY_REVIEWER, "370100").get("/assistance/pairing/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html
    assert 'class="site-header"' in html  # the normal layout, not a bare "403 Forbidden"
