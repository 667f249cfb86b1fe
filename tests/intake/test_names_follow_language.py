"""Element names on the intake pages follow the reader's language."""

from __future__ import annotations

from django.utils import translation

from grassroots.intake.selectors import element_names


def test_element_names_are_chinese_by_default_and_english_in_english() -> None:
    with translation.override("zh-hans"):
        chinese = element_names()
    with translation.override("en"):
        english = element_names()
    assert chinese["arrest_approved_persons"] == "批准逮捕人数"
    assert english["arrest_approved_persons"] != chinese["arrest_approved_persons"]
    assert english["arrest_approved_persons"].isascii()
    with translation.override("zh-hans"):
        assert element_names() == chinese  # the cache keeps the two languages apart
