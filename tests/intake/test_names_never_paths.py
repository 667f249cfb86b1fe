"""Catalogues and schemes are chosen by registered name only, never by a path (issue 19, point 1).

Every entry point where a user or a file names a catalogue or a scheme is sent paths: each gets a
plain refusal that neither reads the file nor says anything about the file system.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from grassroots.cli import main
from grassroots.engine.catalogue import CATALOGUE_DIR, load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.scheme import SCHEMES_DIR, load_scheme
from grassroots.intake.figures import workbook
from grassroots.intake.figures.services import build_template
from grassroots.intake.models import FigureUpload, ReportedValue
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import issue_token

SECRET = "grassroots-secret-line-42"


@pytest.fixture
def secret_yaml(tmp_path) -> Path:
    """A readable file that would even parse as YAML: a path to it must still be refused."""
    path = tmp_path / "evil.yaml"
    path.write_text((CATALOGUE_DIR / "cepej.yaml").read_text(encoding="utf-8") + f"# {SECRET}\n")
    return path


def _paths(secret_yaml: Path) -> list[str]:
    relative = f"../catalogues/{(CATALOGUE_DIR / 'cepej.yaml').name}"
    return ["/etc/passwd", "../x.yaml", "/dev/zero", str(secret_yaml), relative, "/etc", ""]


def _assert_plain(text: str, value: str) -> None:
    assert SECRET not in text
    assert "root:" not in text  # a line of /etc/passwd
    for leak in ("No such file", "Errno", "Permission denied", "is a directory", "Traceback"):
        assert leak not in text
    if value.startswith("/") or ".." in value:
        assert value not in text, "the refusal repeats the path back"


def test_the_engine_loads_registered_names_only(secret_yaml) -> None:
    assert load_catalogue("cepej").name == "cepej"
    for value in _paths(secret_yaml):
        with pytest.raises(InputError) as caught:
            load_catalogue(value)
        _assert_plain(str(caught.value.problems), value)
        assert "registered catalogues: " in caught.value.problems[0].message
        with pytest.raises(InputError) as caught:
            load_scheme(value)
        _assert_plain(str(caught.value.problems), value)
    # A shipped scheme's name is not a catalogue's and vice versa: each registry is its own.
    assert (SCHEMES_DIR / "core-business.yaml").is_file()
    with pytest.raises(InputError):
        load_catalogue("core-business")


def test_a_scheme_naming_a_catalogue_by_path_is_refused_on_the_command_line(
    tmp_path, secret_yaml, capsys
) -> None:
    scheme = yaml.safe_load((SCHEMES_DIR / "cepej.yaml").read_text(encoding="utf-8"))
    for value in _paths(secret_yaml):
        scheme["catalogue"] = value
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump(scheme, allow_unicode=True))
        code = main(["evaluate", "--scheme", str(path), "--period", "2024",
                     "--cases", str(tmp_path), "--out", str(tmp_path / "out.csv")])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2
        assert "s.yaml: catalogue" in err
        _assert_plain(err, value)


@pytest.fixture
def clerk_token(clerk) -> dict[str, str]:
    token = issue_token(user=clerk, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _csv() -> io.BytesIO:
    upload = io.BytesIO(b"unit_code,period,element,value\n370102,2024Q3,incoming,12\n")
    upload.name = "figures.csv"
    return upload


def test_the_figures_api_refuses_a_catalogue_path(client, clerk_token, secret_yaml) -> None:
    for value in _paths(secret_yaml):
        form = {"file": _csv(), "catalogue": value, "period": "2024Q3", "dry_run": "true"}
        response = client.post("/api/intake/figures", form, **clerk_token)
        assert response.status_code in (400, 422), (value, response.status_code)
        _assert_plain(response.content.decode(), value)
    assert not FigureUpload.objects.exists()
    assert not ReportedValue.objects.exists()


def test_the_figures_upload_page_refuses_a_catalogue_path(client, clerk, secret_yaml) -> None:
    client.force_login(clerk)
    for value in _paths(secret_yaml):
        form = {"file": _csv(), "catalogue": value, "period": "2024Q3"}
        response = client.post("/intake/figures/upload/", form)
        assert response.status_code in (200, 400, 422)
        body = response.content.decode()
        _assert_plain(body, value)
        assert "token" not in (response.context or {}) or not response.context.get("token")
    assert not FigureUpload.objects.exists()


def _template_naming(value: str, tmp_path: Path) -> Path:
    """A genuine template whose hidden ``_template`` sheet was edited to name ``value``."""
    data = build_template(unit=Unit.objects.get(code="370102"), catalogue="cepej", period="2024Q3")
    book = load_workbook(io.BytesIO(data))
    meta = book[workbook.META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == "catalogue":
            row[1].value = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def test_a_workbook_whose_template_sheet_names_a_path_is_refused(
    client, clerk, clerk_token, secret_yaml, tmp_path
) -> None:
    client.force_login(clerk)
    for value in [v for v in _paths(secret_yaml) if v]:
        path = _template_naming(value, tmp_path)
        with path.open("rb") as handle:
            response = client.post("/api/intake/figures", {"file": handle}, **clerk_token)
        assert response.status_code in (400, 422)
        _assert_plain(response.content.decode(), value)
        with path.open("rb") as handle:
            page = client.post("/intake/figures/upload/", {"file": handle})
        _assert_plain(page.content.decode(), value)
    assert not FigureUpload.objects.exists()


def test_the_import_command_refuses_a_catalogue_path(
    make_member, data_dir, tmp_path, secret_yaml, capsys
) -> None:
    make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    path = tmp_path / "figures.csv"
    path.write_text("unit_code,period,element,value\n370102,2024Q3,incoming,12\n")
    for value in [v for v in _paths(secret_yaml) if v]:
        code = main(["import", "figures", str(path), "--user", "admin", "--catalogue", value,
                     "--period", "2024Q3"])  # fmt: skip
        captured = capsys.readouterr()
        assert code == 2
        _assert_plain(captured.err + captured.out, value)
    assert not ReportedValue.objects.exists()


def test_a_stored_scheme_naming_a_catalogue_path_is_refused(
    client, make_member, secret_yaml
) -> None:
    from grassroots.evaluation.models import SchemeVersion
    from grassroots.evaluation.schemes import load_shipped_schemes

    load_shipped_schemes()
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    client.force_login(admin)
    text = (SCHEMES_DIR / "core-business.yaml").read_text(encoding="utf-8")
    before = SchemeVersion.objects.count()
    for value in [v for v in _paths(secret_yaml) if v]:
        edited = text.replace("catalogue: spp-case-quality", f"catalogue: {value!r}")
        assert edited != text
        response = client.post(
            "/evaluation/schemes/core-business/", {"yaml_text": edited, "note": "x"}
        )
        # The form gives back the text as written (nothing entered is lost); the error is plain.
        errors = str(response.context["form"].errors)
        assert "registered catalogues: " in errors
        _assert_plain(errors, value)
    assert SchemeVersion.objects.count() == before
