"""Issue 19.6-7: uploads streamed to a private folder under the data directory with the size
limit enforced while reading; a malformed body or an odd file name is a clear 4xx in the user's
language, never a 500; nothing of a refused upload is left behind."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grassroots.files import disk_name, private_tmp, remove_stale_temporaries
from grassroots.intake.cases.staging import Limits
from grassroots.organisations.models import Role

LIMIT = 64 * 1024


@pytest.fixture
def small_limit(settings, data_dir) -> None:
    settings.GRASSROOTS_INTAKE_LIMITS = Limits(max_bytes=LIMIT)


def _leftovers(data_dir) -> list[str]:
    tmp = data_dir / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


def test_an_api_upload_over_the_limit_is_413_in_chinese_and_leaves_nothing(
    bearer, small_limit, data_dir
) -> None:
    big = SimpleUploadedFile("cases.csv", b"x" * (LIMIT * 3), "text/csv")
    response = Client().post(
        "/api/intake/cases",
        {"unit": "370102", "period": "2024Q4", "file": big},
        **bearer(Role.GRASSROOTS_CLERK, "370102"),
    )
    assert response.status_code == 413
    assert "上限" in response.json()["detail"]
    assert _leftovers(data_dir) == []


def test_a_page_upload_over_the_limit_is_413_on_a_page_in_chinese(
    login, small_limit, data_dir
) -> None:
    big = SimpleUploadedFile("cases.csv", b"x" * (LIMIT * 3), "text/csv")
    response = login(Role.GRASSROOTS_CLERK, "370102").post(
        "/intake/cases/upload/", {"unit": "370102", "period": "2024Q4", "file": big}
    )
    assert response.status_code == 413
    assert "上限" in response.content.decode()
    assert _leftovers(data_dir) == []


def test_a_body_announcing_more_than_the_limit_is_refused_before_it_is_read(
    bearer, small_limit
) -> None:
    response = Client().generic(
        "POST",
        "/api/intake/cases",
        b"--b\r\n",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(LIMIT * 1000),
        **bearer(Role.GRASSROOTS_CLERK, "370102"),
    )
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/api/intake/cases", "/api/intake/figures"])
def test_multipart_without_a_boundary_is_400_with_a_reason(bearer, path) -> None:
    response = Client().post(
        path,
        data=b"--x\r\nabc",
        content_type="multipart/form-data",
        **bearer(Role.GRASSROOTS_CLERK, "370102"),
    )
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]


def test_a_page_post_without_a_boundary_is_400_on_a_page_in_chinese(login) -> None:
    response = login(Role.GRASSROOTS_CLERK, "370102").post(
        "/intake/figures/upload/", data=b"--x\r\nabc", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "无法读取上传内容" in response.content.decode()


def test_a_255_byte_file_name_is_not_a_server_error(bearer, data_dir) -> None:
    name = "案" * 83 + "ab.csv"  # 255 bytes in UTF-8, the most a file name may have
    response = Client().post(
        "/api/intake/cases",
        {"unit": "370102", "period": "2024Q4", "file": SimpleUploadedFile(name, b"a,b\n1,2\n")},
        **bearer(Role.GRASSROOTS_CLERK, "370102"),
    )
    assert response.status_code == 400
    assert response.json()["problems"]


def test_disk_names_fit_and_keep_their_type() -> None:
    long = "x" * 300 + ".xlsx"
    assert len(disk_name(long).encode()) <= 120
    assert disk_name(long).endswith(".xlsx")
    assert disk_name("../../etc/passwd") == "passwd"
    assert disk_name("a\0b.csv") == "ab.csv"


def test_uploads_wait_in_the_servers_own_private_folder(data_dir) -> None:
    folder = private_tmp()
    assert folder == data_dir / "tmp"
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_killed_uploads_leftovers_are_removed(data_dir) -> None:
    left = private_tmp() / "upload-abc.csv"
    left.write_bytes(b"case data")
    staging = data_dir / "versions" / ".staging-xyz"
    staging.mkdir(parents=True)
    (staging / "persons.parquet").write_bytes(b"case data")
    kept = data_dir / "versions" / "7"
    kept.mkdir()
    old = 1_000_000_000
    for path in (left, staging, kept):
        os.utime(path, (old, old))
    removed = remove_stale_temporaries()
    assert sorted(p.name for p in removed) == [".staging-xyz", "upload-abc.csv"]
    assert not left.exists()
    assert not staging.exists()
    assert kept.exists()  # a data version is never a temporary


HEAD = b"case_id,unit_code,person_id\n"
BAD_FILES = {
    # bytes that are neither UTF-8 nor GB18030 once killed the server with a decode error
    "encoding": ("persons.csv", HEAD + b"\xff\xfe\xfa,370102,1\n", "GB18030"),
    # PAR1 at both ends, garbage between: the reader's error named the server's path
    "fake parquet": ("persons.parquet", b"PAR1" + b"\x00garbage" * 100 + b"PAR1", "Parquet"),
    # a NUL byte past the first 8 KB the content check reads was stored
    "late NUL": ("persons.csv", HEAD + b"a,370102,1\n" * 1000 + b"b\x00,370102,1\n", "NUL"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_case_file_is_a_400_naming_the_file_and_nothing_is_kept(
    bearer, data_dir, case
) -> None:
    name, data, words = BAD_FILES[case]
    response = Client().post(
        "/api/intake/cases",
        {"unit": "370102", "period": "2024Q4", "file": SimpleUploadedFile(name, data)},
        **bearer(Role.GRASSROOTS_CLERK, "370102"),
    )
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert problems[0]["source"] == name
    assert words in problems[0]["message"]
    assert str(data_dir) not in response.content.decode()
    assert _leftovers(data_dir) == []
    versions = data_dir / "versions"
    assert not versions.exists() or list(versions.iterdir()) == []
