"""Every library page and endpoint, scoped: a unit's clerk writes its own unit's items, the
province reviews, out of scope is 404 (issue 13, "Scope and bad input")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from grassroots.library import services
from grassroots.library.models import (
    Article,
    ArticleStatus,
    Attachment,
    BrandAward,
    BrandGoal,
    Case,
    CaseEntry,
    Column,
    EntryStatus,
    Honour,
)
from grassroots.organisations.models import AuditEntry, Role

D = dt.date(2025, 5, 6)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def items(
    province: dict[str, Any],
    clerk: Any,
    admin: Any,
    person: Any,
    make_final_case: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    unit = province["370102"]
    private = services.save_case(
        actor=clerk,
        unit=unit,
        fields={
            "title": "培育中的案件",
            "kind": "typical",
            "business_line": "criminal",
            "gist": "醉驾",
        },
    )
    entry = services.add_entry(
        actor=clerk, case=private, programme="省级评选", batch="", level="provincial", on=D
    )
    shared = make_final_case(
        title="已定评的公益诉讼案", gist="河道采砂", entries=[("省级", "provincial", D)]
    )
    column = services.save_column(actor=admin, province=province["370000"], name_zh="三年攻坚")
    article = services.save_article(
        actor=clerk, unit=unit, column=column, fields={"title": "草稿经验", "body": "<p>正文</p>"}
    )
    brand = services.save_brand(
        actor=clerk, unit=unit, fields={"name": "泉城检护", "brand_type": "business"}
    )
    honour = services.save_honour(
        actor=clerk, unit=unit, title="全省优秀检察官", level="province", on=D,
        awarding_body="省院", person=person,
    )  # fmt: skip
    attachment = services.attach(actor=clerk, case=private, name="判决书.pdf", content=b"%PDF-1 x")
    return {
        "case": private, "entry": entry, "shared": shared, "column": column, "article": article,
        "brand": brand, "honour": honour, "attachment": attachment,
    }  # fmt: skip


def _pages(items: dict[str, Any]) -> list[str]:
    return [
        f"/library/cases/{items['case'].pk}/",
        f"/library/cases/{items['case'].pk}/edit/",
        f"/library/articles/{items['article'].pk}/",
        f"/library/articles/{items['article'].pk}/edit/",
        f"/library/brands/{items['brand'].pk}/",
        f"/library/brands/{items['brand'].pk}/edit/",
        f"/library/attachments/{items['attachment'].pk}/",
    ]


def _posts(items: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"/library/cases/{items['case'].pk}/edit/", {"title": "x", "kind": "typical",
                                                     "business_line": "criminal"}),
        (f"/library/cases/{items['case'].pk}/entries/", {"programme": "p", "level": "city",
                                                        "on": "2025-05-06"}),
        (f"/library/entries/{items['entry'].pk}/advance/", {"on": "2025-05-07"}),
        (f"/library/cases/{items['case'].pk}/attachments/", {}),
        (f"/library/attachments/{items['attachment'].pk}/remove/", {}),
        (f"/library/articles/{items['article'].pk}/edit/", {"title": "x"}),
        (f"/library/articles/{items['article'].pk}/submit/", {}),
        (f"/library/articles/{items['article'].pk}/review/", {"decision": "publish"}),
        (f"/library/articles/{items['article'].pk}/attachments/", {}),
        (f"/library/brands/{items['brand'].pk}/edit/", {"name": "x", "brand_type": "party"}),
        (f"/library/brands/{items['brand'].pk}/goals/", {"stage": 1, "goal": "g",
                                                        "due": "2025-12-31", "status": "planned"}),
        (f"/library/brands/{items['brand'].pk}/awards/", {"title": "t", "level": "city",
                                                         "on": "2025-05-06", "awarding_body": "b"}),
        (f"/library/honours/{items['honour'].pk}/delete/", {}),
    ]  # fmt: skip


def test_the_owner_sees_every_page(items: dict[str, Any], clerk: Any) -> None:
    client = client_for(clerk)
    for url in [
        "/library/",
        "/library/cases/",
        "/library/cases/new/",
        "/library/articles/",
        "/library/articles/new/",
        "/library/columns/",
        "/library/brands/",
        "/library/brands/new/",
        "/library/honours/",
        *_pages(items),
    ]:
        assert client.get(url).status_code == 200, url
    download = client.get(f"/library/attachments/{items['attachment'].pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1 x"  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")


def test_out_of_scope_is_404_for_every_page_and_write(
    items: dict[str, Any], other_clerk: Any
) -> None:
    client = client_for(other_clerk)
    for url in _pages(items):
        assert client.get(url).status_code == 404, url
    changes = AuditEntry.objects.filter(model__startswith="library.")
    audit_before = changes.count()
    for url, data in _posts(items):
        assert client.post(url, data).status_code == 404, url
    assert changes.count() == audit_before  # nothing changed
    assert Case.objects.get(pk=items["case"].pk).title == "培育中的案件"
    assert Honour.objects.filter(pk=items["honour"].pk).exists()
    # A case with a final result belongs to the whole province: seen, not edited.
    shared = items["shared"].pk
    assert client.get(f"/library/cases/{shared}/").status_code == 200
    assert client.get(f"/library/cases/{shared}/edit/").status_code == 404
    listing = client.get("/library/cases/").content.decode()
    assert "已定评的公益诉讼案" in listing
    assert "培育中的案件" not in listing


def test_a_leader_reads_but_writes_nothing(
    items: dict[str, Any], make_member: Callable[..., Any]
) -> None:
    leader = client_for(make_member(Role.LEADER, "370100", "lib-leader"))
    assert leader.get(f"/library/cases/{items['case'].pk}/").status_code == 200
    assert leader.get("/library/cases/new/").status_code == 404
    for url, data in _posts(items):
        assert leader.post(url, data).status_code == 404, url


def test_the_clerk_writes_and_the_province_reviews_through_the_pages(
    items: dict[str, Any], clerk: Any, admin: Any, person: Any
) -> None:
    client = client_for(clerk)
    created = client.post(
        "/library/cases/new/",
        {
            "title": "新案件",
            "kind": "excellent",
            "business_line": "civil",
            "gist": "要旨",
            "body": "<p>正文<script>x()</script></p>",
            "prosecutors": [person.pk],
        },
    )
    assert created.status_code == 302
    case = Case.objects.get(title="新案件")
    assert case.body == "<p>正文</p>"
    assert list(case.prosecutors.all()) == [person]
    entry = items["entry"]
    assert (
        client.post(f"/library/entries/{entry.pk}/advance/", {"on": "2025-05-07"}).status_code
        == 302
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.RECOMMENDED
    # The next step is the province's: for the clerk, the entry is not theirs to move.
    assert (
        client.post(f"/library/entries/{entry.pk}/advance/", {"on": "2025-05-08"}).status_code
        == 404
    )
    province = client_for(admin)
    province.post(f"/library/entries/{entry.pk}/advance/", {"on": "2025-05-08"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.FIRST_REVIEW
    article = items["article"]
    client.post(f"/library/articles/{article.pk}/submit/")
    assert (
        client.post(f"/library/articles/{article.pk}/review/", {"decision": "publish"}).status_code
        == 404
    )
    province.post(
        f"/library/articles/{article.pk}/review/", {"decision": "publish", "on": "2025-05-09"}
    )
    article.refresh_from_db()
    assert (article.status, article.published_on) == (ArticleStatus.PUBLISHED, dt.date(2025, 5, 9))
    brand = items["brand"]
    client.post(
        f"/library/brands/{brand.pk}/goals/",
        {"stage": 1, "goal": "建成品牌", "due": "2025-12-31", "status": "underway"},
    )
    client.post(
        f"/library/brands/{brand.pk}/awards/",
        {"title": "十佳", "level": "province", "on": "2025-05-06", "awarding_body": "省院"},
    )
    assert BrandGoal.objects.filter(brand=brand, status="underway").count() == 1
    assert BrandAward.objects.filter(brand=brand).count() == 1
    assert client.post("/library/columns/", {"name_zh": "新栏目", "position": 1}).status_code == 404
    province.post("/library/columns/", {"name_zh": "新栏目", "position": 1})
    assert Column.objects.filter(name_zh="新栏目").exists()
    honours = client.post(
        "/library/honours/",
        {
            "unit": clerk.membership.unit.pk,
            "person": person.pk,
            "title": "办案能手",
            "level": "city",
            "on": "2025-05-01",
            "awarding_body": "市院",
        },
    )
    assert honours.status_code == 302
    models = set(AuditEntry.objects.values_list("model", flat=True))
    assert {"library.case", "library.caseentry", "library.article", "library.brandgoal",
            "library.brandaward", "library.column", "library.honour", "library.attachment"} <= models  # fmt: skip


def test_bad_attachments_are_refused_with_a_reason(items: dict[str, Any], clerk: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(clerk)
    url = f"/library/cases/{items['case'].pk}/attachments/"
    answer = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert ".exe files are not allowed" in answer.content.decode()
    answer = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"<html>")}, follow=True)
    assert "x.pdf is not a .pdf file" in answer.content.decode()
    client.post(url, {"file": SimpleUploadedFile("ok.png", b"\x89PNG\r\n\x1a\n...")})
    assert Attachment.objects.filter(case=items["case"]).count() == 2


def test_the_search_page_finds_by_a_word_and_respects_scope(
    items: dict[str, Any], clerk: Any, other_clerk: Any
) -> None:
    own = client_for(clerk).get("/library/", {"q": "醉驾"}).content.decode()
    assert "培育中的案件" in own
    other = client_for(other_clerk)
    assert "培育中的案件" not in other.get("/library/", {"q": "醉驾"}).content.decode()
    assert "已定评的公益诉讼案" in other.get("/library/", {"q": "采砂"}).content.decode()
    none = other.get("/library/", {"q": "采砂", "level": "city"}).content.decode()
    assert "已定评的公益诉讼案" not in none


def test_the_api_follows_the_same_rules(
    items: dict[str, Any], clerk: Any, other_clerk: Any, admin: Any, person: Any
) -> None:
    own, other = client_for(clerk), client_for(other_clerk)
    case_url = f"/api/library/cases/{items['case'].pk}"
    assert own.get(case_url).json()["title"] == "培育中的案件"
    assert other.get(case_url).status_code == 404
    assert other.get(f"/api/library/articles/{items['article'].pk}").status_code == 404
    assert own.get(f"/api/library/articles/{items['article'].pk}").status_code == 200
    assert {c["title"] for c in other.get("/api/library/cases").json()} == {"已定评的公益诉讼案"}
    assert other.get("/api/library/brands").json() == []
    assert len(own.get("/api/library/brands").json()) == 1
    assert other.get("/api/library/honours").json() == []
    assert own.get("/api/library/columns").json()[0]["name_zh"] == "三年攻坚"
    hits = own.get("/api/library/search", {"q": "醉驾"}).json()
    assert [h["title"] for h in hits] == ["培育中的案件"]
    assert other.get("/api/library/search", {"q": "醉驾"}).json() == []
    assert own.get("/api/library/search", {"q": ""}).status_code == 422
    body = {"unit_code": "370102", "title": "接口案件", "kind": "typical", "business_line": "minors", "prosecutors": [person.pk]}  # fmt: skip
    assert (
        other.post("/api/library/cases", body, content_type="application/json").status_code == 404
    )
    made = own.post("/api/library/cases", body, content_type="application/json")
    assert made.status_code == 201
    new = made.json()["id"]
    entry = {"programme": "市级评选", "level": "city", "date": "2025-05-06"}
    assert (
        other.post(
            f"/api/library/cases/{new}/entries", entry, content_type="application/json"
        ).status_code
        == 404
    )
    e = own.post(f"/api/library/cases/{new}/entries", entry, content_type="application/json")
    assert e.status_code == 201
    again = own.post(f"/api/library/cases/{new}/entries", entry, content_type="application/json")
    assert again.status_code == 422
    step = {"date": "2025-05-07"}
    advance = f"/api/library/entries/{e.json()['id']}/advance"
    assert other.post(advance, step, content_type="application/json").status_code == 404
    assert (
        own.post(advance, step, content_type="application/json").json()["status"] == "recommended"
    )
    assert own.post(advance, step, content_type="application/json").status_code == 404
    assert (
        client_for(admin).post(advance, step, content_type="application/json").json()["status"]
        == "first_review"
    )
    honour = {"unit_code": "370102", "title": "先进集体", "level": "city", "date": "2025-01-01", "awarding_body": "市院"}  # fmt: skip
    assert (
        other.post("/api/library/honours", honour, content_type="application/json").status_code
        == 404
    )
    assert (
        own.post("/api/library/honours", honour, content_type="application/json").status_code == 201
    )
    assert CaseEntry.objects.filter(case_id=new).count() == 1
    assert Article.objects.count() == 1


def test_a_persons_page_shows_their_honours_through_the_panel_registry(
    items: dict[str, Any], admin: Any, person: Any, other_clerk: Any
) -> None:
    from grassroots.people import panels

    assert "library-honours" in panels.registered()
    page = client_for(admin).get(f"/people/people/{person.pk}/").content.decode()
    assert "全省优秀检察官" in page
    assert "Honours" in page
    # The person page's own rule still decides who opens it.
    assert client_for(other_clerk).get(f"/people/people/{person.pk}/").status_code == 404


def test_the_case_and_honour_forms_read_the_people_in_a_fixed_number_of_queries(
    admin: Any, province: dict[str, Any]
) -> None:
    """A person's label names its unit: read with the people, not once per person (the
    province's forms list every active person of its units and took over the worker's 30 s)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grassroots.people.models import Category, Person

    client = Client()
    client.force_login(admin)

    def queries(url: str) -> int:
        """The queries of the page that read people or their units' rows for them."""
        with CaptureQueriesContext(connection) as done:
            assert client.get(url).status_code == 200
        return sum('"people_person"' in q["sql"] for q in done.captured_queries) + sum(
            '"organisations_unit"."id" =' in q["sql"] for q in done.captured_queries
        )

    def staff(first: int, count: int) -> None:
        for i, code in enumerate(["370102", "370103", "370202"] * count):
            Person.objects.create(unit=province[code], staff_number=f"Q{first + i:04d}",
                                  name=f"检察官{first + i}", category=Category.PROSECUTOR,
                                  birth_year=1985)  # fmt: skip

    staff(0, 1)
    few = {url: queries(url) for url in ("/library/cases/new/", "/library/honours/")}
    staff(100, 10)
    many = {url: queries(url) for url in ("/library/cases/new/", "/library/honours/")}
    assert many == few
    lixia = province["370102"].pk
    people = client.get(f"/library/unit-people/?unit={lixia}&field=prosecutors").content.decode()
    assert "检察官127" in people
    assert "检察官128" not in people
