#!/usr/bin/env bash
# Installs the system packages the guide exports need (Chromium for figures, PDF printing and
# browser checks, poppler for pdftotext, LibreOffice to prove a DOCX opens, Grammalecte to check French text, fonts with
# French accents). Skips what is already there; says clearly what is missing
# when it cannot install (not root, no apt).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v grammalecte-cli >/dev/null 2>&1 || need+=(grammalecte-cli)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "mpanalysis: installing system packages: ${need[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    && exit 0
  echo "mpanalysis: apt-get could not install: ${need[*]}" >&2
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null && exit 0
fi
echo "mpanalysis: missing system packages: ${need[*]}." >&2
echo "  Install them with: sudo apt-get install ${need[*]}" >&2
echo "  (PDF/DOCX export and browser checks need them; HTML guides and validation work without.)" >&2
exit 0
