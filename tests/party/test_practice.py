"""Pilots, the research contest, brands linked to the library, the rules library and the
quarterly stars (issue 15.4): services, pages and endpoints in and out of scope, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from grassroots.library.models import Brand
from grassroots.organisations.models import AuditEntry
from grassroots.party import practice
from grassroots.party.models import PartyBrand, RuleResult, Star
from grassroots.party.services import NotAllowed, PartyError


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_contest_runs_two_rounds_to_its_finalists(world) -> None:
    admin = world["admin"]
    province = world["units"]["370102"].parent.parent
    contest = practice.open_contest(
        province=province, actor=admin, title="融合调研大赛", rounds=2, finalists=2
    )
    entries = [
        practice.add_entry(contest=contest, actor=admin, unit=world["units"][code], author=f"作者{i}", title=f"调研{i}")
        for i, code in enumerate(["370102", "370103", "370104", "370202"])
    ]  # fmt: skip
    with pytest.raises(NotAllowed):  # Lixia's committee enters for its own unit only
        practice.add_entry(
            contest=contest,
            actor=world["committee"],
            unit=world["units"]["370103"],
            author="x",
            title="x",
        )
    for entry, score in zip(entries, (70, 90, 80, 60), strict=True):
        practice.panel_score(entry=entry, actor=admin, score=Decimal(score))
    with pytest.raises(PartyError):
        practice.panel_score(entry=entries[0], actor=admin, score=Decimal(101))
    kept = practice.advance(contest=contest, actor=admin, keep=3)
    assert [e.title for e in kept] == ["调研1", "调研2", "调研0"]
    with pytest.raises(PartyError):  # round 2 has no scores yet
        practice.advance(contest=contest, actor=admin, keep=2)
    for entry, score in zip(kept, (85, 88, 95), strict=True):
        practice.panel_score(entry=entry, actor=admin, score=Decimal(score))
    finalists = practice.advance(contest=contest, actor=admin, keep=2)
    assert [e.title for e in finalists] == ["调研0", "调研2"]
    assert AuditEntry.objects.filter(model="party.panelscore").count() == 7


def test_brands_link_the_librarys_party_brands_of_the_unit_only(world) -> None:
    unit = world["units"]["370102"]
    party = Brand.objects.create(unit=unit, name="检心向党", brand_type="party")
    culture = Brand.objects.create(unit=unit, name="文化品牌", brand_type="culture")
    elsewhere = Brand.objects.create(
        unit=world["units"]["370103"], name="他院品牌", brand_type="party"
    )
    linked = practice.link_brand(
        unit=unit, actor=world["committee"], library_brand=party, motto="支部建在部门上"
    )
    assert linked.library_brand == party
    for brand in (culture, elsewhere):
        with pytest.raises(PartyError):
            practice.link_brand(unit=unit, actor=world["committee"], library_brand=brand)
    page = client_for(world["committee"]).get("/party/units/370102/practice/").content.decode()
    assert "检心向党" in page
    assert PartyBrand.objects.count() == 1


def test_rules_are_versioned_with_chapters_and_items(world) -> None:
    unit = world["units"]["370102"]
    text = "第一章 总则\n为推进党建与业务深度融合，制定本办法。\n第二章 考核\n按月报告，按季考核。\n实行三色预警。\n"
    first = practice.save_rules(unit=unit, actor=world["committee"], code="heze-2024", title="融合发展考核办法",
                                adopted=dt.date(2024, 3, 1), text=text)  # fmt: skip
    second = practice.save_rules(unit=unit, actor=world["committee"], code="heze-2024", title="融合发展考核办法",
                                 adopted=dt.date(2024, 9, 1), text=text + "按年总结。\n")  # fmt: skip
    assert (first.version, second.version) == (1, 2)
    assert [c.title for c in second.chapters.all()] == ["总则", "考核"]
    assert [i.number for c in second.chapters.all() for i in c.items.all()] == [1, 2, 3, 4]
    with pytest.raises(PartyError):
        practice.save_rules(
            unit=unit,
            actor=world["committee"],
            code="x",
            title="x",
            adopted=dt.date(2024, 1, 1),
            text="没有章",
        )
    assert client_for(world["reviewer"]).get(f"/party/rules/{second.pk}/").status_code == 200
    assert (
        client_for(world["qingdao-reviewer"]).get(f"/party/rules/{second.pk}/").status_code == 404
    )
    api = client_for(world["committee"]).get(f"/api/party/rules/{second.pk}").json()
    assert api["chapters"][1]["items"] == ["按月报告，按季考核。", "实行三色预警。", "按年总结。"]
    assert (
        client_for(world["other-committee"]).get(f"/api/party/rules/{second.pk}").status_code == 404
    )
    assert RuleResult.objects.count() == 2


def test_stars_are_chosen_once_per_quarter_from_the_roster(world) -> None:
    unit = world["units"]["370102"]
    branch = world["people"]["370102"]["branch"]
    practice.select_star(
        unit=unit, actor=world["committee"], quarter="2024Q1", person=branch, reason="三会一课全勤"
    )
    with pytest.raises(PartyError):
        practice.select_star(
            unit=unit, actor=world["committee"], quarter="2024Q1", person=branch, reason="x"
        )
    with pytest.raises(PartyError):
        practice.select_star(unit=unit, actor=world["committee"], quarter="2024Q1",
                             person=world["people"]["370103"]["branch"], reason="x")  # fmt: skip
    with pytest.raises(NotAllowed):
        practice.select_star(
            unit=unit, actor=world["lixia-branch"], quarter="2024Q2", person=branch, reason="x"
        )
    body = {
        "quarter": "2024Q2",
        "person_id": world["people"]["370102"]["prosecutor"].pk,
        "reason": "办案标兵",
    }
    url = "/api/party/units/370102/stars"
    assert (
        client_for(world["other-committee"])
        .post(url, body, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        client_for(world["committee"]).post(url, body, content_type="application/json").status_code
        == 200
    )
    assert [s["quarter"] for s in client_for(world["committee"]).get(url).json()] == [
        "2024Q2",
        "2024Q1",
    ]
    assert client_for(world["other-committee"]).get(url).status_code == 404
    assert Star.objects.count() == 2


def test_practice_pages_and_endpoints_in_and_out_of_scope(world) -> None:
    admin = world["admin"]
    unit = world["units"]["370102"]
    pilot = practice.add_pilot(
        unit=unit, actor=admin, project="支部建在部门上", started=dt.date(2024, 1, 1)
    )
    contest = practice.open_contest(
        province=unit.parent.parent, actor=admin, title="大赛", rounds=1, finalists=1
    )
    practice.add_entry(contest=contest, actor=admin, unit=unit, author="甲", title="调研甲")
    practice.add_entry(
        contest=contest, actor=admin, unit=world["units"]["370202"], author="乙", title="调研乙"
    )
    with pytest.raises(NotAllowed):
        practice.add_pilot(
            unit=unit, actor=world["committee"], project="x", started=dt.date(2024, 1, 1)
        )
    pages = {
        "/party/practice/": ("reviewer", None),
        f"/party/contests/{contest.pk}/": ("reviewer", None),
        "/party/units/370102/practice/": ("committee", "qingdao-reviewer"),
    }
    for url, (ok, denied) in pages.items():
        assert client_for(world[ok]).get(url).status_code == 200, url
        if denied:
            assert client_for(world[denied]).get(url).status_code == 404, url
    # the contest page and endpoint show entries of the caller's scope only
    jinan = client_for(world["reviewer"]).get(f"/party/contests/{contest.pk}/").content.decode()
    assert "调研甲" in jinan
    assert "调研乙" not in jinan
    api = client_for(world["reviewer"]).get(f"/api/party/contests/{contest.pk}").json()
    assert [e["title"] for e in api["entries"]] == ["调研甲"]
    pilots = client_for(world["qingdao-reviewer"]).get("/api/party/pilots").json()
    assert pilots == []
    assert [p["id"] for p in client_for(world["reviewer"]).get("/api/party/pilots").json()] == [
        pilot.pk
    ]
    # only the province writes pilots and contests: a POST from a unit is 404
    post = client_for(world["committee"]).post(
        "/party/practice/", {"form": "contest", "title": "x"}
    )
    assert post.status_code == 404
