#!/usr/bin/env bash
# Install the Debian packages backup-audit needs, only those that are missing.
#   runtime: Pango, HarfBuzz subsetting and DejaVu fonts for WeasyPrint (PDF reports)
#   --tests: also Chromium (the HTML report is checked in a real browser) and
#            poppler-utils (pdftoppm rasterises the PDF)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# python3 -m venv needs ensurepip, which Debian ships apart (python3-venv / python3.X-venv)
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  packages+=("python3-venv")
  version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  apt-cache show "python${version}-venv" >/dev/null 2>&1 && packages+=("python${version}-venv")
fi
if [ "${1:-}" = "--tests" ]; then packages+=(chromium poppler-utils); fi
missing=()
for package in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "backup-audit needs these system packages (or their equivalents): ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "backup-audit: error: installing ${missing[*]} needs root; run this script as root" \
      "(or install sudo), or install those packages yourself" >&2
    exit 1
  fi
  sudo="sudo"
fi
echo "installing ${missing[*]}" >&2
# Wait for another apt or dpkg (unattended-upgrades on a fresh machine) instead of failing:
# DPkg::Lock::Timeout covers dpkg's lock; `update` takes the lists lock, so it is retried.
lock=(-o DPkg::Lock::Timeout=600)
deadline=$((SECONDS + 600))
until $sudo apt-get "${lock[@]}" update -qq; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "backup-audit: error: apt-get update kept failing for 10 minutes" >&2
    exit 1
  fi
  echo "apt is busy (another package manager runs?); retrying in 10 s" >&2
  sleep 10
done
# env, not a prefix: sudo's env_reset would drop DEBIAN_FRONTEND
$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
