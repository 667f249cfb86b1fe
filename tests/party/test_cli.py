"""``grassroots party ...`` (issue 15.5): the same scope, permissions and audit as the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grassroots.cli import main
from grassroots.party import services
from grassroots.party.models import PartyReport, Task


def test_generate_produce_list_and_standing_as_a_user(world, capsys: Any) -> None:
    # out of Shizhong's committee's scope: no such unit
    assert main(["party", "generate", "370102", "--from", "2024-01-01", "--to", "2024-01-31",
                 "--as", "shizhong-committee"]) == 2  # fmt: skip
    assert "no such unit '370102'" in capsys.readouterr().err
    assert main(["party", "generate", "370102", "--from", "2024-01-01", "--to", "2024-01-31",
                 "--as", "lixia-committee"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip() == "2 tasks generated for 370102"
    assert main(["party", "tasks", "370102", "--as", "lixia-committee", "--open"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert all(line.endswith("OVERDUE") for line in lines)  # due in January 2024
    assert main(["party", "produce", "2024-01", "--as", "lixia-committee"]) == 2
    assert "may not produce" in capsys.readouterr().err
    assert main(["party", "produce", "2024-01", "--as", "party-admin"]) == 0
    assert capsys.readouterr().out.strip() == "2024-01: 24 reports, 0 warnings sent"
    # four units with a plan, their two departments and three people each
    assert PartyReport.objects.filter(period="2024-01", subject="unit").count() == 4
    assert main(["party", "standing", "370102", "--as", "jinan-reviewer"]) == 0
    out = capsys.readouterr().out
    # nothing scored yet: 5 of the 60 points assessed (the untouched discipline item) → 8.3333
    assert "month 2024-01: 8.3333 rank 1 of 1 green: rank 1 of 1: ranks 1–2 → green" in out
    assert Task.objects.count() == 2


def test_check_scheme_names_every_problem(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "scheme.yaml"
    bad.write_text(services.shipped_text(services.SCHEME_CODE).replace("        floor: 0\n", ""))
    assert main(["party", "check-scheme", str(bad)]) == 1
    assert "扣分项须设最低分（floor）" in capsys.readouterr().out
    good = tmp_path / "good.yaml"
    good.write_text(services.shipped_text(services.SCHEME_CODE))
    assert main(["party", "check-scheme", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "integration-2024: valid (5 items)"
