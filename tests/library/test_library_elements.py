"""The library's counts as data elements, against hand-counted cases (issue 13.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from grassroots.library import services
from grassroots.library.elements import ELEMENTS, element_values, final_cases_by_level
from grassroots.library.models import Case


def test_counts_by_period_with_a_linked_case_counted_once(
    province: dict[str, Any],
    clerk: Any,
    admin: Any,
    person: Any,
    make_final_case: Callable[..., Any],
) -> None:
    # 历下 (370102):
    # A: provincial 2025-02-10 and SPP typical 2025-03-20 (linked) -> Q1 once, at SPP typical
    # B: city 2025-01-05 -> Q1 city
    # C: provincial 2025-04-02 -> Q2 provincial
    # D: city 2024-12-31 -> 2024Q4, not 2025Q1
    make_final_case(
        title="A",
        entries=[
            ("省级", "provincial", dt.date(2025, 2, 10)),
            ("最高检", "spp_typical", dt.date(2025, 3, 20)),
        ],
        number="A-1",
    )
    make_final_case(title="B", entries=[("市级", "city", dt.date(2025, 1, 5))])
    make_final_case(title="C", entries=[("省级", "provincial", dt.date(2025, 4, 2))])
    make_final_case(title="D", entries=[("市级", "city", dt.date(2024, 12, 31))])
    # E of 市中 (370103): provincial in Q1, not 历下's
    make_final_case(
        unit_code="370103", title="E", entries=[("省级", "provincial", dt.date(2025, 1, 9))]
    )
    # A case still in progress does not count.
    pending = services.save_case(
        actor=clerk,
        unit=province["370102"],
        fields={"title": "F", "kind": "typical", "business_line": "criminal"},
    )
    services.add_entry(
        actor=clerk,
        case=pending,
        programme="省级",
        batch="",
        level="provincial",
        on=dt.date(2025, 2, 1),
    )
    unit = province["370102"]
    for title, on, who in (
        ("先进基层检察院", dt.date(2025, 1, 20), None),
        ("全省优秀检察官", dt.date(2025, 3, 31), person),
        ("全省优秀检察官", dt.date(2025, 4, 1), person),
    ):
        services.save_honour(
            actor=clerk,
            unit=unit,
            title=title,
            level="province",
            on=on,
            awarding_body="省院",
            person=who,
        )
    column = services.save_column(actor=admin, province=province["370000"], name_zh="三年攻坚")
    for title, publish_on in (("一", dt.date(2025, 2, 2)), ("二", None)):
        article = services.save_article(
            actor=clerk, unit=unit, column=column, fields={"title": title}
        )
        services.submit_article(actor=clerk, article=article)
        if publish_on:
            services.review_article(actor=admin, article=article, publish=True, on=publish_on)

    q1 = element_values(["370102", "370103"], "2025Q1", list(ELEMENTS) + ["not_ours"])
    mine = {name: v.value for name, v in q1["370102"].items()}
    assert mine == {
        "library_cases_spp_guiding": 0,
        "library_cases_spp_typical": 1,  # A, once, at its highest level
        "library_cases_provincial": 0,
        "library_cases_city": 1,  # B
        "library_cases_final": 2,
        "library_honours_unit": 1,
        "library_honours_people": 1,  # 3-31 is Q1, 4-01 is Q2
        "library_articles_published": 1,  # the unpublished one does not count
    }
    assert "not_ours" not in q1["370102"]
    assert q1["370103"]["library_cases_provincial"].value == 1
    assert q1["370102"]["library_cases_spp_typical"].evidence == [
        f"case:{Case.objects.get(title='A').pk}"
    ]
    q2 = element_values(
        ["370102"], "2025Q2", ["library_cases_provincial", "library_honours_people"]
    )
    assert {k: v.value for k, v in q2["370102"].items()} == {
        "library_cases_provincial": 1,
        "library_honours_people": 1,
    }
    year = element_values(["370102"], "2025", ["library_cases_final"])
    assert year["370102"]["library_cases_final"].value == 3  # A, B, C: A once
    assert final_cases_by_level(["370102"], "2024Q4") == {"370102": {"city": 1}}
    assert final_cases_by_level(["370102"], "2025Q1") == {"370102": {"spp_typical": 1, "city": 1}}


def test_the_library_is_an_element_source_of_runs(
    province: dict[str, Any], make_final_case: Callable[..., Any]
) -> None:
    from grassroots.engine.catalogue import load_catalogue
    from grassroots.intake import element_sources

    make_final_case(
        title="A",
        entries=[
            ("省级", "provincial", dt.date(2025, 2, 10)),
            ("市级", "city", dt.date(2025, 1, 3)),
        ],
    )
    assert "library" in element_sources.registered()
    rows = element_sources.read_values(
        "library",
        units=["370102", "370103"],
        periods=["2025Q1"],
        elements=["library_cases_provincial", "library_cases_city", "staff_headcount"],
    )
    case = Case.objects.get(title="A").pk
    assert [(r.unit_code, r.element, r.value, r.evidence) for r in rows] == [
        ("370102", "library_cases_city", 0.0, ()),
        ("370102", "library_cases_provincial", 1.0, (f"case:{case}",)),
        ("370103", "library_cases_city", 0.0, ()),
        ("370103", "library_cases_provincial", 0.0, ()),
    ]
    catalogue = load_catalogue("spp-case-quality")
    sourced = {e.code for e in catalogue.elements.values() if e.source == "library"}
    assert sourced == set(ELEMENTS)
    assert (
        catalogue.indicators["library_cases_per_10_procurators"].numerator == "library_cases_final"
    )
