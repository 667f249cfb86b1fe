from __future__ import annotations

from django.urls import reverse

from grassroots.evaluation.models import Result
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.warnings import GAMING_RATIO, Kind, early_warnings
from grassroots.organisations.models import Role

ALL = Visible(ranks=True, colours=True)


def _set(run, code: str, node: str, **values) -> None:
    # Test set-up edits stored results directly (runs are immutable through the models).
    Result.objects.filter(run=run, unit_code=code, node=node).update(**values)


def test_it_warns_of_newly_red_and_repeatedly_red_indicators(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "remand_rate", colour="green")
    _set(q4, "370102", "remand_rate", colour="red")
    _set(q3, "370103", "remand_rate", colour="red")
    _set(q4, "370103", "remand_rate", colour="red")
    found = early_warnings(run=q4, root="core-business", path="370000/", visible=ALL)
    kinds = {(w.kind, w.unit_code) for w in found if w.node == "remand_rate"}
    assert (Kind.NEWLY_RED, "370102") in kinds
    assert (Kind.RED_AGAIN, "370103") in kinds
    assert (Kind.NEWLY_RED, "370103") not in kinds


def test_it_warns_of_a_rank_drop_and_a_slide_into_the_bottom_tier(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "core-business", rank_all=3, colour="green")
    _set(q4, "370102", "core-business", rank_all=60, colour="red")
    found = early_warnings(run=q4, root="core-business", path="370000/", visible=ALL)
    mine = {w.kind for w in found if w.unit_code == "370102" and w.node == "core-business"}
    assert mine == {Kind.RANK_DROP, Kind.BOTTOM_TIER}


def test_rank_and_colour_warnings_are_left_out_for_roles_that_may_not_see_them(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "core-business", rank_all=3, colour="green")
    _set(q4, "370102", "core-business", rank_all=60, colour="red")
    hidden = Visible(ranks=False, colours=False)
    found = early_warnings(run=q4, root="core-business", path="370000/", visible=hidden)
    assert {w.kind for w in found} <= {Kind.MISSING, Kind.SUSPICIOUS}


def test_it_flags_a_falling_case_ratio_while_remands_and_extensions_vanish(runs) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", GAMING_RATIO, value=1.8)
    _set(q4, "370102", GAMING_RATIO, value=1.2)
    for node in ("remand_rate", "extension_rate"):
        _set(q3, "370102", node, value=20.0)
        _set(q4, "370102", node, value=0.0)
    found = early_warnings(run=q4, root="core-business", path="370000/", visible=ALL)
    suspicious = [w for w in found if w.kind == Kind.SUSPICIOUS]
    assert [w.unit_code for w in suspicious] == ["370102"]
    assert "1.80 → 1.20" in suspicious[0].evidence


def test_the_warnings_page_is_scoped_and_links_to_evidence(runs, member) -> None:
    q4 = runs["2024Q4"]
    _set(q4, "370202", "remand_rate", score=None)
    url = reverse("evaluation:warnings", args=[q4.pk])
    jinan = member(Role.CITY_REVIEWER, "370100").get(url)
    codes = {w.unit_code for w in jinan.context["page"].paginator.object_list}
    assert codes
    assert all(c.startswith("3701") for c in codes)
    province = member(Role.PROVINCE_ADMIN, "370000").get(url, {"kind": "missing"})
    assert any(w.unit_code == "370202" for w in province.context["page"])
    profile = reverse("evaluation:unit-profile", args=[q4.pk, "370202"])
    assert profile in province.content.decode()


def test_the_excel_export_is_scoped_coloured_and_hides_ranks_from_leaders(runs, member) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    url = reverse("evaluation:export-xlsx", args=[runs["2024Q4"].pk])
    leader = member(Role.LEADER, "370000").get(url)
    sheet = load_workbook(BytesIO(leader.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "rank_all" not in header
    assert "colour" in header
    col = header.index("colour")
    red = next(r for r in sheet.iter_rows(min_row=2) if r[col].value == "red")
    assert red[col].fill.start_color.rgb.endswith("F8696B")
    city = member(Role.CITY_REVIEWER, "370100").get(url)
    codes = {
        r[0].value for r in load_workbook(BytesIO(city.content)).worksheets[0].iter_rows(min_row=2)
    }
    assert codes
    assert all(str(c).startswith("3701") for c in codes)
    assert member(Role.AUDITOR, "370000").get(url).status_code == 404


def _newly_red(found, code: str, node: str):
    return next(
        w for w in found if w.kind == Kind.NEWLY_RED and w.unit_code == code and w.node == node
    )


def test_the_evidence_names_colours_in_the_readers_language(runs) -> None:
    from django.utils import translation

    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "remand_rate", colour="green")
    _set(q4, "370102", "remand_rate", colour="red")
    with translation.override("zh-hans"):
        found = early_warnings(run=q4, root="core-business", path="370000/", visible=ALL)
    newly = _newly_red(found, "370102", "remand_rate")
    assert newly.evidence == "● 绿 → ■ 红"
    with translation.override("en"):
        found = early_warnings(run=q4, root="core-business", path="370000/", visible=ALL)
    newly = _newly_red(found, "370102", "remand_rate")
    assert newly.evidence == "● Green → ■ Red"
    assert newly.unit_name == "Jinan Lixia District People's Procuratorate"


def test_the_warnings_page_names_the_indicator_not_its_code(runs, member) -> None:
    q3, q4 = runs["2024Q3"], runs["2024Q4"]
    _set(q3, "370102", "remand_rate", colour="green")
    _set(q4, "370102", "remand_rate", colour="red")
    url = reverse("evaluation:warnings", args=[q4.pk])
    page = member(Role.PROVINCE_ADMIN, "370000").get(url, {"kind": "newly_red"})
    html = page.content.decode()
    assert "<td>退回补充侦查率</td>" in html
    assert "<td>remand_rate</td>" not in html


def test_the_warnings_page_is_paged_and_counts_each_kind(runs, member) -> None:
    url = reverse("evaluation:warnings", args=[runs["2024Q4"].pk])
    client = member(Role.PROVINCE_ADMIN, "370000")
    response = client.get(url)
    page = response.context["page"]
    everything = page.paginator.object_list
    assert response.context["total"] == len(everything)
    assert len(page) == min(len(everything), 100)
    counts = {value: n for value, _, n in response.context["kinds"]}
    assert sum(counts.values()) == len(everything)
    assert page.has_next()  # the test province has more warnings than one page holds
    second = client.get(url, {"page": 2}).context["page"]
    assert second.number == 2
    key = [(w.unit_code, w.node, w.kind) for w in everything]
    assert [(w.unit_code, w.node, w.kind) for w in second] == key[100:200]
