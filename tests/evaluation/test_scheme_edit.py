from __future__ import annotations

from django.urls import reverse

from grassroots.evaluation.models import SchemeVersion
from grassroots.organisations.models import Role


def test_the_province_admin_saves_an_edit_as_a_new_version(scheme, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    url = reverse("evaluation:scheme-edit", args=["core-business"])
    text = scheme.yaml_text.replace("weight: 3,", "weight: 4,", 1)
    assert text != scheme.yaml_text
    response = client.post(url, {"yaml_text": text, "note": "more weight on the case ratio"})
    assert response.status_code == 302
    newest = SchemeVersion.objects.filter(code="core-business").order_by("-version").first()
    assert newest.version == scheme.version + 1
    assert newest.yaml_text == text
    assert newest.note == "more weight on the case ratio"


def test_an_invalid_scheme_is_refused_with_the_engines_reason(scheme, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    url = reverse("evaluation:scheme-edit", args=["core-business"])
    broken = scheme.yaml_text.replace("aggregation: arithmetic", "aggregation: telepathy", 1)
    response = client.post(url, {"yaml_text": broken, "note": "x"})
    assert response.status_code == 200
    assert "aggregation" in response.content.decode()
    assert SchemeVersion.objects.filter(code="core-business").count() == 1


def test_only_the_province_admin_may_edit_schemes(scheme, member) -> None:
    url = reverse("evaluation:scheme-edit", args=["core-business"])
    for role, code in ((Role.CITY_REVIEWER, "370100"), (Role.LEADER, "370000")):
        client = member(role, code)
        assert client.get(url).status_code == 404
        assert client.post(url, {"yaml_text": scheme.yaml_text, "note": "x"}).status_code == 404
