"""Zip containers (docx, xlsx) with fixed entry dates, so the same content gives the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

CORE = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The same entries, in the same order, each dated ``stamp`` with fixed attributes."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3
            body = source.read(item.filename)
            if item.filename == CORE:
                # openpyxl stamps the save time here whatever the properties say.
                iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = _MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", body)
            target.writestr(info, body)
    return out.getvalue()
