#!/usr/bin/env bash
# Install the Debian packages backup-audit needs, only those that are missing.
#   runtime: Pango, HarfBuzz subsetting and DejaVu fonts for WeasyPrint (PDF reports)
#   --tests: also Chromium (the HTML report is checked in a real browser) and
#            poppler-utils (pdftoppm rasterises the PDF)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-}" = "--tests" ]; then packages+=(chromium poppler-utils); fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "backup-audit needs these system packages (or their equivalents): ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
