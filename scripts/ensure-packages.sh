#!/usr/bin/env bash
# Installs the Debian packages listed in the given files that dpkg does not
# report as installed. When everything is present it does no apt work at all,
# so a second `make run` / `make test` needs no network and costs milliseconds.
# Runs apt directly as root, else through sudo. `apt-get update` runs once,
# right before the first install on this machine (Debian images ship without lists
# or with stale ones).
set -euo pipefail

missing=()
for list in "$@"; do
  while read -r pkg _; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || missing+=("$pkg")
  done <"$list"
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "error: missing Debian packages (${missing[*]}) and neither root nor sudo is available" >&2
  exit 1
fi

echo "Installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
stamp=/var/lib/apt/periodic/loupe-apt-updated
if [[ ! -e "$stamp" ]]; then
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" mkdir -p "$(dirname "$stamp")"
  "${sudo[@]}" touch "$stamp"
fi
install() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# Package lists from an earlier update may have gone stale: refresh once and retry.
if ! install; then
  "${sudo[@]}" apt-get update -q
  install
fi
