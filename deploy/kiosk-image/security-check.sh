#!/bin/bash
# Does the built kiosk image lag behind Debian's security updates?
#
# The image's root file system is read-only and never runs apt: Chromium's
# (and the kernel's, openssl's ...) security fixes reach kiosks by a rebuilt
# image. This compares the versions recorded at build time
# (build/kiosk-image/*.packages) with what bookworm and bookworm-security
# offer today, using a private apt state folder (the host's apt is untouched).
#
#   deploy/kiosk-image/security-check.sh [--packages FILE] [--rebuild]
#
# Exit 0: up to date. Exit 10: newer versions exist (listed); with --rebuild
# it then runs build.sh, whose image records the new versions. Run it from a
# weekly timer on the build machine; Chromium's stable channel ships security
# fixes about every week.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
packages=
rebuild=no
mirror=http://deb.debian.org/debian
while [ $# -gt 0 ]; do
    case "$1" in
        --packages) packages=${2:?}; shift 2 ;;
        --rebuild) rebuild=yes; shift ;;
        --mirror) mirror=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "security-check.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "$packages" ]; then
    packages=$(find "$repo/build/kiosk-image" -maxdepth 1 -name '*.packages' -printf '%T@ %p\n' 2>/dev/null \
        | sort -n | tail -n 1 | cut -d' ' -f2-)
fi
if [ -z "$packages" ] || [ ! -f "$packages" ]; then
    echo "security-check.sh: no .packages list of a built image; run make image first" >&2
    exit 1
fi

state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
printf '%s\n' "deb [arch=amd64] $mirror bookworm main" "deb [arch=amd64] $mirror bookworm-updates main" \
    "deb [arch=amd64] http://deb.debian.org/debian-security bookworm-security main" > "$state/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o "APT::Architecture=amd64"
    -o "Dir::State::Status=/dev/null" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" -qq update

# One apt-cache call for all packages: "name candidate" per line.
mapfile -t names < <(cut -d' ' -f1 "$packages")
apt-cache "${apt_opts[@]}" policy "${names[@]}" 2>/dev/null \
    | awk '/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) } /^  Candidate: / { print name, $2 }' \
    > "$state/candidates"
newer=()
while read -r name version; do
    candidate=$(awk -v n="$name" '$1 == n { print $2; exit }' "$state/candidates")
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && dpkg --compare-versions "$candidate" gt "$version"; then
        newer+=("$name $version -> $candidate")
    fi
done < "$packages"

if [ ${#newer[@]} -eq 0 ]; then
    echo "up to date: every package of $(basename "$packages") is the newest bookworm(-security) has"
    exit 0
fi
echo "newer than in $(basename "$packages"):"
printf '  %s\n' "${newer[@]}"
if [ "$rebuild" = yes ]; then
    "$here/build.sh" --out "$repo/build/kiosk-image"
fi
exit 10
