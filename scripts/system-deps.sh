#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium (Playwright drives it; no browser
# download), a CJK font so Chinese renders in screenshots and PDFs, poppler's PDF tools, and Java
# for the Spark executor.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v msgfmt >/dev/null || missing+=(gettext)
# pdftotext, pdffonts and pdftoppm: the reports tests read and look at the PDFs they make.
command -v pdftotext >/dev/null || missing+=(poppler-utils)
# LibreOffice (Writer, headless): a test converts a generated .docx to PDF with it.
command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui)
# Java for PySpark: the spark extra (pip install 'grassroots[spark]'; the dev extra has it, so
# the test suite runs the Spark executor's test). Spark 4 needs Java 17 or newer.
command -v java >/dev/null || missing+=(default-jre-headless)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
