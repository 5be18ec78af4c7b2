#!/usr/bin/env bash
# Installs the tools the printing/pdf tests read PDFs back with, when they are missing:
# pdftotext and pdftoppm (Debian poppler-utils) and zbarimg (Debian zbar-tools). Without them
# those tests skip. scripts/test.sh may call it before go test.
set -euo pipefail
missing=()
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} for the PDF tests"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
