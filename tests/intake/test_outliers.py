"""Outlier flags use the median and MAD, so one huge value cannot hide itself."""

from __future__ import annotations

import pandas as pd

from grassroots.intake.validation.outliers import flag_outliers, modified_z


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "element", "value"])


def test_a_value_far_from_its_own_history_is_flagged_with_the_reason() -> None:
    current = pd.DataFrame(
        [("370102", "2024Q3", "incoming", 400.0)],
        columns=["unit_code", "period", "element", "value"],
    )
    history = _frame([("370102", "incoming", v) for v in (100, 95, 110, 105, 98)])
    [flag] = flag_outliers(current, history=history, peers=_frame([]))
    assert (flag.basis, flag.median) == ("history", 100)
    assert "median 100 of its own earlier periods" in flag.reason


def test_a_value_close_to_its_peers_is_not_flagged() -> None:
    current = pd.DataFrame(
        [("370102", "2024Q3", "incoming", 104.0)],
        columns=["unit_code", "period", "element", "value"],
    )
    peers = _frame([(f"u{i}", "incoming", v) for i, v in enumerate((100, 95, 110, 105, 98))])
    assert flag_outliers(current, history=_frame([]), peers=peers) == []


def test_median_and_mad_resist_a_single_huge_reference_value() -> None:
    # With mean/SD the 10,000 would inflate the SD so much that 500 looks normal.
    reference = [100, 102, 98, 101, 99, 10_000]
    z, median = modified_z(500, reference)
    assert median == 100.5
    assert z > 3.5
    values = [*reference]
    mean, sd = sum(values) / len(values), pd.Series(values).std()
    assert abs((500 - mean) / sd) < 3.5


def test_too_few_or_identical_references_say_nothing() -> None:
    assert modified_z(5, [1, 2, 3]) is None
    assert modified_z(5, [1, 1, 1, 1, 1]) is None


def test_a_version_page_flags_a_value_far_from_the_units_history(clerk, data_dir, tmp_path, client):
    from grassroots.intake.cases.services import import_cases
    from grassroots.intake.models import ElementValue

    unit = clerk.membership.unit
    versions = []
    for month in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05"):
        folder = tmp_path / month
        folder.mkdir()
        rows = ["unit_code,case_id,person_id,arrest_review_received"]
        rows += [f"370102,c{i},p{i},{month}-10" for i in range(10 + len(versions) % 2)]
        (folder / "persons.csv").write_text("\n".join(rows) + "\n")
        versions.append(import_cases(source=folder, unit=unit, period=month, actor=clerk))
    client.force_login(clerk)
    latest = versions[-1]
    assert (
        "far from the median" not in client.get(f"/intake/versions/{latest.pk}/").content.decode()
    )
    ElementValue.objects.filter(data_version=latest, element="arrest_review_cases").update(value=90)
    page = client.get(f"/intake/versions/{latest.pk}/").content.decode()
    # In the reader's language, the element by its name (the engine's reason is English).
    assert "审查逮捕案件数：90 明显偏离本单位以往期间（4 个数值）的中位数" in page
    assert "far from the median" not in page
    client.cookies["django_language"] = "en"
    english = client.get(f"/intake/versions/{latest.pk}/").content.decode()
    flags = english.split('<ul class="flags">', 1)[1].split("</ul>", 1)[0]
    assert "90 is far from the median" in flags, flags
