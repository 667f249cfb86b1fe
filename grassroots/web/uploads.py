"""Uploads streamed to disk, the size limit enforced while the bytes arrive (issue 19.6).

Every uploaded file goes to a private temporary file (0600) in ``DATA_DIR/tmp`` (0700), never
into memory whole and never into the system's shared /tmp; the upload stops as soon as it
passes the intake limit (``GRASSROOTS_INTAKE_LIMITS.max_bytes``), and the request is answered
413 in the user's language (``web.views.bad_request``). A temporary file is removed when its
request ends; one left by a killed process is removed by ``grassroots.files.remove_stale_temporaries``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

from grassroots.files import private_tmp
from grassroots.intake.cases.services import upload_limits

# Generous room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 1024 * 1024


class UploadTooLarge(RequestDataTooBig):
    """The upload passed the size limit while it was being received."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit:,} bytes")
        self.limit = limit


class PrivateUploadedFile(TemporaryUploadedFile):
    """An upload in a 0600 temporary file of the server's own ``DATA_DIR/tmp``; the name on
    disk is random (a 255-byte name sent by the client is never a file name here)."""

    def __init__(
        self,
        name: str,
        content_type: str,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        suffix = "".join(c for c in os.path.splitext(name)[1][:16] if c.isalnum() or c == ".")
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed with the upload)
            prefix="upload-", suffix=suffix, dir=private_tmp()
        )
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = upload_limits().max_bytes
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # A request that says it is larger than the limit is refused before a byte is read.
        if content_length and content_length > self.limit + FORM_OVERHEAD:
            raise UploadTooLarge(self.limit)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)  # the names, not Django's temp file
        self.file = PrivateUploadedFile(
            self.file_name or "upload",
            self.content_type or "application/octet-stream",
            0,
            self.charset,
            self.content_type_extra,
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a temporary file: closing removes it
            raise UploadTooLarge(self.limit)
        return super().receive_data_chunk(raw_data, start)
