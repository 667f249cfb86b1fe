"""An exit item's reason, as the engine writes it, is said in the page's language (issue 18.1)."""

from __future__ import annotations

from django.utils import translation

from grassroots.assistance.selectors import exit_reason

REASON = "core-business peer_position lt 0.6667 [all of 2024Q3, 2024Q4]; 2024Q3: 0.5, 2024Q4: 0.8"


def test_a_quantitative_reason_reads_in_chinese_with_the_node_name() -> None:
    with translation.override("zh-hans"):
        said = exit_reason(REASON, {"core-business": "核心业务"})
    assert said == (
        "核心业务 同组位次（0 为最前，1 为最后） < 0.6667，在 2024年第三季度、2024年第四季度 "
        "每个季度均须满足；实际：2024年第三季度：0.5、2024年第四季度：0.8"
    )


def test_colours_qualitative_items_and_short_histories_are_worded() -> None:
    with translation.override("zh-hans"):
        colour = exit_reason("quality colour ne red [any of 2024Q2]; 2024Q2: green", {})
        qualitative = exit_reason("qualitative: a reviewer decides on the evidence (会议记录)", {})
        short = exit_reason("needs 2 periods of results, have 1", {})
        other = exit_reason("something the engine never said", {})
    assert (
        colour
        == "quality 颜色 ≠ 红色，在 2024年第二季度 中任一季度满足即可；实际：2024年第二季度：绿色"
    )
    assert qualitative == "定性项目：由审核人根据佐证材料认定（会议记录）"
    assert short == "需要 2 个季度的结果，现有 1 个"
    assert other == "something the engine never said"


def test_english_keeps_the_engine_values() -> None:
    with translation.override("en"):
        said = exit_reason(REASON, {"core-business": "Core business"})
    assert said.startswith("Core business position in the peer group (0 top, 1 bottom) < 0.6667")
    assert said.endswith("found 2024 Q3: 0.5, 2024 Q4: 0.8")


def test_positions_are_left_out_where_the_ranking_policy_hides_ranks() -> None:
    """A position in a peer group is a rank: in analysis mode the reason keeps the condition and
    the periods, never the positions found (0.5 of 12 peers is 6th)."""
    colour_reason = "quality colour ne red [any of 2024Q2]; 2024Q2: green"
    with translation.override("zh-hans"):
        hidden = exit_reason(REASON, {"core-business": "核心业务"}, ranks=False)
        colour = exit_reason(colour_reason, {}, ranks=False)
    assert hidden.startswith("核心业务 同组位次（0 为最前，1 为最后） < 0.6667")
    assert hidden.endswith("按本省排名政策，不显示所处位次")
    assert "0.5" not in hidden
    assert "0.8" not in hidden
    assert colour.endswith("实际：2024年第二季度：绿色")  # a colour is no rank: still shown
    for measure in ("rank_peer", "rank_all"):
        with translation.override("en"):
            said = exit_reason(
                f"core-business {measure} le 3 [all of 2024Q4]; 2024Q4: 2", {}, ranks=False
            )
        assert "2024 Q4: 2" not in said
        assert said.endswith("ranking policy")
