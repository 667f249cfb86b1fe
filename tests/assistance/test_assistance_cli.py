"""``grassroots weak candidates|designate|pair`` on the generated province."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grassroots.assistance.models import (
    Designation,
    Dimension,
    ExitDecision,
    ItemStatus,
    Pairing,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.services import decide_exit, designate_weak_unit, recommend_exit
from grassroots.cli import main
from grassroots.organisations.models import AuditEntry, Role, Unit

RELAPSER = "370283"


@pytest.fixture
def cli_ready(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # `grassroots` checks its data directory first
    return tmp_path


def test_candidates_lists_the_bottom_tier_with_rank_intervals(generated, capsys) -> None:
    folder, _ = generated
    args = ["weak", "candidates", "--cases", str(folder), "--from", "2023Q1", "--to", "2023Q4"]
    assert main([*args, "--k", "3", "--n", "4", "--sensitivity", "20"]) == 0
    out = capsys.readouterr().out
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    listed = [line.split()[0] for line in out.splitlines()[2:-1]]
    assert RELAPSER in listed
    assert len(set(listed) & set(truth["weak_units"])) >= 0.7 * len(listed)
    assert out.splitlines()[-1] == f"{len(listed)} candidates"
    assert "-" in out.splitlines()[2].split()[-1]  # an interval like 120-131


def test_candidates_rejects_k_larger_than_n(generated, capsys) -> None:
    folder, _ = generated
    args = ["weak", "candidates", "--cases", str(folder), "--from", "2023Q1", "--to", "2023Q4"]
    assert main([*args, "--k", "5", "--n", "4"]) == 2
    assert "--k" in capsys.readouterr().err


@pytest.mark.django_db
def test_designate_then_pair_accepts_the_recommendation(
    generated, generated_units, make_member, cli_ready, capsys
) -> None:
    folder, _ = generated
    make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    make_member(Role.CITY_REVIEWER, "370200", "city")
    designate = ["weak", "designate", RELAPSER, "--level", "provincial", "--date", "2024-01-10"]
    assert main([*designate, "--reason", "business=bottom third", "--as", "city"]) == 2
    assert not Designation.objects.exists()
    assert main([*designate, "--reason", "business=bottom third", "--as", "admin"]) == 0
    assert Designation.objects.get().status == WeakStatus.DESIGNATED
    pair = ["weak", "pair", "--cases", str(folder), "--period", "2023Q4"]
    assert main([*pair, "--accept", "--as", "admin"]) == 0
    pairing = Pairing.objects.get()
    assert pairing.partner == pairing.recommended
    assert f"{RELAPSER} -> {pairing.partner.code}" in capsys.readouterr().out
    assert AuditEntry.objects.filter(model="assistance.pairing").count() == 1


@pytest.mark.django_db
def test_designate_rejects_an_unknown_dimension(generated_units, make_member, cli_ready, capsys):
    make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    args = ["weak", "designate", RELAPSER, "--level", "provincial", "--date", "2024-01-10"]
    assert main([*args, "--reason", "mood=bad", "--as", "admin"]) == 2
    assert "DIMENSION=TEXT" in capsys.readouterr().err


@pytest.mark.django_db
def test_relapse_warns_about_the_exited_relapser_with_evidence(
    generated, generated_units, make_member, cli_ready, capsys
) -> None:
    folder, _ = generated
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    city = make_member(Role.CITY_REVIEWER, "370200", "city")
    unit = Unit.objects.get(code=RELAPSER)
    d = designate_weak_unit(
        unit=unit,
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 1, 10),
        reasons={Dimension.BUSINESS: "bottom third"},
        actor=admin,
    )
    checklist = [
        {
            "item": "P1",
            "heading": "political",
            "kind": "qualitative",
            "status": "undecided",
            "reason": "",
        }
    ]
    assessment = recommend_exit(
        designation=d,
        periods=["2024Q2"],
        checklist=checklist,
        reviews={"P1": (ItemStatus.MET, "minutes")},
        on=dt.date(2024, 7, 20),
        actor=city,
    )
    decide_exit(
        assessment=assessment,
        decision=ExitDecision.EXIT,
        exit_period="2024Q2",
        on=dt.date(2024, 7, 30),
        actor=admin,
    )
    args = ["weak", "relapse", "--cases", str(folder), "--from", "2024Q2", "--to", "2024Q4"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"{RELAPSER} 2024Q4: ")
    assert "score fell" in lines[1] or "bottom tier" in lines[1]
    assert lines[-1] == "1 relapse warnings among 1 exited units"
