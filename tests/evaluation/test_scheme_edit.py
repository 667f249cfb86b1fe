from __future__ import annotations

import pytest
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


def test_the_scheme_page_says_the_scheme_in_words_above_the_yaml(scheme, member) -> None:
    """Issue 18.7: the tree with each part's share, the colour rule and who sees ranks, in
    Chinese; the YAML folded away below it."""
    client = member(Role.PROVINCE_ADMIN, "370000")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("evaluation:scheme-edit", args=["core-business"]))
    summary = page.context["summary"]
    top = [r for r in summary.rows if r.depth == 0]
    assert [r.name for r in top] == ["办案质量", "办案效率", "办案效果"]
    assert sum(r.share_of_whole for r in top) == pytest.approx(100.0)
    assert top[0].share_of_whole == pytest.approx(40.0)  # quality weighs 0.4
    leaves = [r for r in summary.rows if r.indicator]
    assert sum(r.share_of_whole for r in leaves) == pytest.approx(100.0)
    ratio = next(r for r in leaves if r.indicator == "案-件比")
    assert ratio.direction == "越低越好"
    assert "前 30% 为绿色，后 30% 为红色" in summary.colours
    # The scheme's function names (city_admin) are said as the roles a reader knows.
    assert "_" not in summary.ranks_to + summary.colours_to
    assert summary.ranks_to.count("、") == 1  # province admin and city reviewer
    html = page.content.decode()
    assert html.index('id="scheme-summary"') < html.index('id="scheme-yaml"')
    assert '<details class="panel" id="scheme-yaml">' in html  # folded until there is an error


def test_the_run_form_folds_seeds_and_sources_away(member, scheme) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    page = client.get(reverse("evaluation:index"))
    form = page.context["form"]
    assert [f.name for f in form.basic_fields()] == ["scheme", "period", "provisional"]
    assert {f.name for f in form.advanced_fields()} == {"source", "sensitivity", "seed"}
    html = page.content.decode()
    folded = html[html.index('<details id="run-advanced"') :]
    assert 'name="seed"' in folded
    assert 'name="source"' in folded
    assert 'name="seed"' not in html[: html.index('<details id="run-advanced"')]
