"""A figures dry run waits in the data directory's private area, expires, and is cleaned up;
its table names each unit and element in the page's language."""

from __future__ import annotations

import io
import os
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.cli import main
from grassroots.intake.figures import pending, workbook
from grassroots.intake.models import ReportedValue


def _upload(client, value: object = 42) -> SimpleUploadedFile:
    template = client.get(
        "/intake/figures/template/?unit=370102&catalogue=cepej&period=2024Q3"
    ).content
    book = load_workbook(io.BytesIO(template))
    book[workbook.SHEET].cell(row=2, column=workbook.VALUE_COLUMN).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("filled.xlsx", buffer.getvalue())


def _age(token: str, seconds: float) -> None:
    path = pending.pending_dir() / token
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_pending_file_lives_in_the_private_area_of_the_data_dir(client, clerk, data_dir):
    client.force_login(clerk)
    token = client.post("/intake/figures/upload/", {"file": _upload(client)}).context["token"]
    path = data_dir / "private" / "pending" / token
    assert path.is_file()
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # issue 19.6


def test_an_expired_dry_run_cannot_be_confirmed(client, clerk, data_dir) -> None:
    client.force_login(clerk)
    token = client.post("/intake/figures/upload/", {"file": _upload(client)}).context["token"]
    _age(token, 2 * 3600)
    assert client.post(f"/intake/figures/confirm/{token}/").status_code == 404
    assert not ReportedValue.objects.exists()
    assert not (pending.pending_dir() / token).exists()


def test_a_new_upload_removes_expired_pending_files(client, clerk, data_dir) -> None:
    client.force_login(clerk)
    old = client.post("/intake/figures/upload/", {"file": _upload(client)}).context["token"]
    fresh = client.post("/intake/figures/upload/", {"file": _upload(client, 7)}).context["token"]
    _age(old, 3601)
    client.post("/intake/figures/upload/", {"file": _upload(client, 8)})
    assert not (pending.pending_dir() / old).exists()
    assert (pending.pending_dir() / fresh).exists()


def test_the_cleanup_command_removes_only_expired_files(db, data_dir, capsys) -> None:
    old, fresh = pending.keep(b"old"), pending.keep(b"fresh")
    _age(old, 7200)
    assert main(["intake", "cleanup"]) == 0
    assert "removed 1 pending uploads older than 60 minutes" in capsys.readouterr().out
    assert sorted(p.name for p in pending.pending_dir().iterdir()) == [fresh]
    assert main(["intake", "cleanup", "--older-than-minutes", "-1"]) == 2


def test_the_dry_run_names_units_and_elements_in_the_page_language(client, clerk) -> None:
    client.force_login(clerk)
    zh = client.post(
        "/intake/figures/upload/", {"file": _upload(client)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "历下区人民检察院" in zh
    assert "新收案件数" in zh
    assert "incoming" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/intake/"})
    en = client.post("/intake/figures/upload/", {"file": _upload(client)}).content.decode()
    assert "Incoming cases" in en
    assert "新收案件数" not in en
