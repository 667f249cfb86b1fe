"""The "why this colour" reasons read in the page's language; old stored runs still show."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from grassroots.evaluation.models import Result
from grassroots.evaluation.reasons import group_names, render_why
from grassroots.organisations.models import Role, Unit

CASES = [
    (
        "rank 9 of 10 in peer group 370100: bottom 30% → red",
        "在同类组 370100 的 10 个单位中排第 9：后 30% → ■ 红",
    ),
    ("rank 2 of 150 of all units: top 30% → green", "在全部 150 个单位中排第 2：前 30% → ● 绿"),
    ("no data → grey", "无数据 → ○ 灰"),
    ("value 60 in [60, 80) → yellow", "数值 60 落在 [60, 80) → ▲ 黄"),
    (
        "value 45 is 5 above range 20–40 (margin 8) → yellow",
        "数值 45 高于合理区间 20–40 达 5（容差 8）→ ▲ 黄",
    ),
    (
        "rank 5 of 10 in peer group 370100: middle → yellow; only 25% of the weight has data "
        "(needs 60%)",
        "在同类组 370100 的 10 个单位中排第 5：中间 → ▲ 黄；仅 25% 的权重有数据（至少需要 60%）",
    ),
]


@pytest.mark.parametrize(("english", "chinese"), CASES)
def test_engine_reasons_render_in_chinese_and_in_english(english: str, chinese: str) -> None:
    with translation.override("zh-hans"):
        assert render_why(english) == chinese
    with translation.override("en"):
        rendered = render_why(english)
    # English renders from the same keys; the words are the web's, the numbers the engine's.
    assert rendered.split("→")[0].split()[0] in {"rank", "no", "value"}
    assert "→" in rendered


SMALL_GROUP = (
    "peer group 37T0 has only 2 units (fewer than 5): compared within the province; "
    "rank 4 of 8 of all units: middle → yellow"
)


def test_a_small_peer_group_reads_as_compared_within_the_province() -> None:
    with translation.override("zh-hans"):
        assert render_why(SMALL_GROUP) == (
            "同类组 37T0 仅有 2 个单位（少于 5 个）：在全省范围内比较；"
            "在全部 8 个单位中排第 4：中间 → ▲ 黄"
        )
    with translation.override("en"):
        assert render_why(SMALL_GROUP) == (
            "peer group 37T0 has only 2 units (fewer than 5): compared within the province; "
            "rank 4 of 8 among all units: middle tier → ▲ Yellow"
        )


@pytest.mark.django_db
def test_a_small_peer_group_named_by_a_unit_code_reads_as_that_units_name() -> None:
    Unit.objects.create(
        code="37T000",
        name_zh="济南铁路运输检察分院",
        name_en="Jinan Railway Transport Procuratorate Branch",
        level="city",
        path="37T000/",
    )
    text = SMALL_GROUP.replace("37T0 ", "37T000 ")
    with translation.override("zh-hans"):
        rendered = render_why(text, None, group_names(["37T000"]))
    assert rendered.startswith("同类组 济南铁路运输检察分院 仅有 2 个单位")


def test_the_stored_reason_is_used_before_the_text() -> None:
    reason = [
        {
            "key": "rank_all",
            "params": {"rank": "3", "count": "7", "tier": "top", "share": "20%", "colour": "green"},
        }
    ]
    with translation.override("zh-hans"):
        assert render_why("ignored", reason) == "在全部 7 个单位中排第 3：前 20% → ● 绿"


def test_text_the_engine_did_not_write_and_unknown_keys_show_as_stored() -> None:
    with translation.override("zh-hans"):
        assert render_why("low remand rate") == "low remand rate"
        assert render_why("kept", [{"key": "a_future_key", "params": {}}]) == "kept"
        assert render_why("kept", [{"key": "rank_all", "params": {"rank": "1"}}]) == "kept"


def test_a_run_stores_the_reason_beside_the_english_text(runs) -> None:
    row = runs["2024Q4"].results.filter(level="indicator").exclude(why="").first()
    assert row.why_reason
    assert row.why_reason[0]["key"] in {"rank_peer", "rank_all", "no_data", "band", "in_range",
                                        "off_range", "outside_legend", "not_coloured",
                                        "small_peer_group"}  # fmt: skip


def test_the_profile_shows_the_reason_in_chinese_and_falls_back_for_old_runs(runs, member) -> None:
    run = runs["2024Q4"]
    row = run.results.filter(level="indicator", colour="red").order_by("unit_code").first()
    client = member(Role.PROVINCE_ADMIN, "370000")
    url = reverse("evaluation:unit-profile", args=[run.pk, row.unit_code])
    html = client.get(url).content.decode()
    assert render_why(row.why) not in ("", row.why)
    with translation.override("zh-hans"):
        names = group_names([Unit.objects.get(code=row.unit_code).peer_group])
        assert names  # the city names the peer group
        assert render_why(row.why, None, names) in html
    assert row.why not in html  # not the English sentence
    # A run stored before reasons existed: no why_reason, only the English text.
    Result.objects.filter(run=run).update(why_reason=[])
    html = client.get(url).content.decode()
    with translation.override("zh-hans"):
        assert render_why(row.why, None, names) in html
    # English readers get English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    with translation.override("en"):
        names = group_names(list(names))
        assert escape(render_why(row.why, None, names)) in html


def test_the_api_gives_the_reason_as_keys_and_in_the_request_language(runs, member) -> None:
    run = runs["2024Q4"]
    body = (
        member(Role.PROVINCE_ADMIN, "370000")
        .get(f"/api/evaluation/runs/{run.pk}/results", {"node": "non_arrest_rate", "limit": 5})
        .json()
    )
    item = next(i for i in body["items"] if i["why"])
    assert item["why_reason"][0]["key"]
    assert item["why_text"]


@pytest.mark.django_db
def test_a_peer_group_named_by_a_unit_code_reads_as_that_units_name() -> None:
    from grassroots.evaluation.reasons import group_names
    from grassroots.organisations.models import Level, Unit

    Unit.objects.create(
        code="370100",
        name_zh="济南市人民检察院",
        name_en="Jinan Municipal Procuratorate",
        level=Level.CITY,
        path="370100/",
    )
    english = "rank 9 of 10 in peer group 370100: bottom 30% → red"
    with translation.override("zh-hans"):
        names = group_names(["370100", "rural-large"])
        assert names == {"370100": "济南市人民检察院"}  # a free label is not a unit
        assert render_why(english, None, names).startswith("在同类组 济南市人民检察院 的 10 个")
    with translation.override("en"):
        names = group_names(["370100"])
        assert "Jinan Municipal Procuratorate" in render_why(english, None, names)
