"""A colour's reason names the rank ("在同类组 … 的 3 个单位中排第 3", the evaluation's form of
the party's "名次段第3–3名"), and under rank tiers the share of uncertainty draws in a colour is
a rank statistic (where a tier holds one unit, the share of draws at that very rank). In
analysis mode no evaluation page, export or API answer gives either, even to the province
administrator whom the scheme shows ranks; in ranking mode the same surfaces do (so every
check can fail)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from grassroots.organisations.models import Role, Unit
from grassroots.reports.services import set_policy

RANKED = "排第"  # the rank in a reason, in Chinese ("… 个单位中排第 3")


@pytest.mark.parametrize("mode", ["analysis", "ranking"])
def test_colour_reasons_name_no_rank_in_analysis_mode(runs, member, mode) -> None:
    run = runs["2024Q4"]
    client = member(Role.PROVINCE_ADMIN, "370000")
    actor = get_user_model().objects.get(username=f"{Role.PROVINCE_ADMIN}-370000")
    province = Unit.objects.get(code="370000")
    set_policy(province=province, ranking=mode, marking="", issuer="", actor=actor)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    api = client.get(f"/api/evaluation/runs/{run.pk}/results", {"limit": 500}, **zh).json()
    said = [i["why_text"] for i in api["items"] if i["why_text"]]
    stored = [i["why_reason"] for i in api["items"] if i["why_reason"]]
    code = next(i["unit_code"] for i in api["items"] if i["level"] == "indicator")
    profile = client.get(reverse("evaluation:unit-profile", args=[run.pk, code]), **zh)
    assert profile.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("evaluation:export-xlsx", args=[run.pk]), **zh).content),
        read_only=True,
    ).active
    header = [str(c) for c in next(sheet.iter_rows(max_row=1, values_only=True))]
    league = client.get(reverse("evaluation:run", args=[run.pk]), {"format": "csv"}, **zh)
    if mode == "analysis":
        assert not said
        assert not stored
        assert RANKED not in profile.content.decode()
        assert "why" not in header
        # Under rank tiers the share of draws in a colour is a rank statistic: where a tier
        # holds one unit it is the share of draws at that very rank (rank intervals' kin).
        assert "colour_share" not in header
        assert RANKED not in league.content.decode("utf-8-sig")
    else:
        assert any(RANKED in s for s in said)
        assert stored
        assert RANKED in profile.content.decode()
        assert "why" in header
        assert "colour_share" in header
