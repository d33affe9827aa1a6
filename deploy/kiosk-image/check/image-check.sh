#!/bin/bash
# Fast static checks of the kiosk image recipe (make image-check; CI runs it).
# No image is built: the systemd units are verified in a scratch root made of
# the overlay/ tree, this machine's systemd units and stubs for the programs
# the image's packages provide. With --root DIR they are verified against a
# real built root file system instead (build.sh --keep-work leaves one in
# build/kiosk-image/work/rootfs).
#
# Fails on ANY output on stderr from systemd-analyze: systemd 252 only warns
# about unknown keys and still exits 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
overlay=$here/overlay
real_root=
if [ "${1:-}" = --root ]; then real_root=$(cd "${2:?--root needs a directory}" && pwd); fi

failures=0
pass() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

# -- tools (installed on a fresh Debian bookworm machine when missing) -------
need=()
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v findmnt >/dev/null || need+=(util-linux)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# Any Python 3 will do for the checkers (stdlib only); prefer Debian's.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# -- the units: systemd-analyze verify and security --------------------------
services=(nuantu-app.service cage@tty1.service nuantu-provision.service nuantu-grow-data.service
    nuantu-backup.service nuantu-sync-export.service nuantu-probe.service
    nuantu-os-update.service nuantu-os-boot.service nuantu-os-reboot.service)
timers=(nuantu-backup.timer nuantu-sync-export.timer nuantu-os-reboot.timer nuantu-os-update.path)
# Highest exposure each service may have, in tenths of the score
# systemd-analyze security prints (0.0 safe .. 10.0 unsafe; --threshold takes
# 0..100). The browser needs devices and namespaces for its sandbox,
# provisioning must mount file systems and switch users, the probe is a
# root diagnostic that only runs when asked for on the kernel command line.
declare -A max_exposure=(
    [nuantu-app.service]=25
    [nuantu-backup.service]=20
    [nuantu-sync-export.service]=20
    [cage@tty1.service]=55
    [nuantu-grow-data.service]=30
    [nuantu-provision.service]=35
    [nuantu-probe.service]=98
    # OS updates write a root partition and EFI variables and reboot: root,
    # devices, mounts; no network except the confirm's look at 127.0.0.1.
    [nuantu-os-update.service]=30
    [nuantu-os-boot.service]=35
    [nuantu-os-reboot.service]=50
)

if [ -n "$real_root" ]; then
    root=$real_root
else
    root=$scratch/root
    mkdir -p "$root/usr/lib/systemd" "$root/etc"
    cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/system"
    cp -a "$overlay/." "$root/"
    # Programs and units that the image's Debian packages provide.
    for program in /opt/nuantu/venv/bin/python /opt/nuantu/venv/bin/flask /usr/bin/cage \
        /usr/bin/chromium /usr/bin/seatd /usr/sbin/chronyd /usr/bin/python3 /usr/bin/growpart \
        /sbin/resize2fs /usr/bin/findmnt /usr/bin/lsblk; do
        mkdir -p "$root$(dirname "$program")"
        printf '#!/bin/sh\nexit 0\n' > "$root$program"
        chmod +x "$root$program"
    done
    for unit in seatd.service chrony.service systemd-resolved.service; do
        [ -e "$root/usr/lib/systemd/system/$unit" ] && continue
        printf '[Unit]\nDescription=stub of %s from its Debian package\n[Service]\nExecStart=/bin/true\n' \
            "$unit" > "$root/usr/lib/systemd/system/$unit"
    done
    cp /etc/passwd /etc/group "$root/etc/"
    printf 'nuantu:x:990:990::/var/lib/nuantu:/usr/sbin/nologin\nkiosk:x:991:991::/run/kiosk:/usr/sbin/nologin\n' >> "$root/etc/passwd"
    printf 'nuantu:x:990:\nkiosk:x:991:\n' >> "$root/etc/group"
fi

analyze() {  # analyze WHAT ARGS...: passes only with exit 0 and an empty stderr
    local what=$1
    shift
    if (cd "$scratch" && systemd-analyze "$@" >"$scratch/out" 2>"$scratch/err") && [ ! -s "$scratch/err" ]; then
        pass "$what"
    else
        fail "$what"
        sed 's/^/      /' "$scratch/err" "$scratch/out" | head -n 40
    fi
}

analyze "systemd-analyze verify (${#services[@]} services, ${#timers[@]} timers)" \
    verify --root="$root" --man=no "${services[@]}" "${timers[@]}"
for unit in "${services[@]}"; do
    analyze "systemd-analyze security $unit (exposure <= ${max_exposure[$unit]}/10)" \
        security --offline=yes --root="$root" --threshold="${max_exposure[$unit]}" --no-pager "$unit"
    score=$(grep -o 'Overall exposure level for [^:]*: [0-9.]*' "$scratch/out" | awk '{print $NF}' || true)
    echo "      exposure ${score:-?}"
done

# -- shell scripts: shellcheck -----------------------------------------------
mapfile -t scripts < <(grep -rlE '^#!/bin/(ba)?sh' "$here" --include='*' | sort)
if shellcheck --severity=style --external-sources "${scripts[@]}" >"$scratch/out" 2>&1; then
    pass "shellcheck (${#scripts[@]} scripts)"
else
    fail "shellcheck"
    sed 's/^/      /' "$scratch/out" | head -n 60
fi

# -- Python helpers in the image: compile, and the example provisioning file --
mapfile -t pyfiles < <(grep -rlE '^#!/usr/bin/(env )?python3' "$here" | sort)
if "$python" -m py_compile "${pyfiles[@]}" 2>"$scratch/err"; then
    pass "python helpers compile (${#pyfiles[@]} files)"
else
    fail "python helpers compile"
    sed 's/^/      /' "$scratch/err"
fi
if "$python" "$overlay/usr/local/lib/nuantu/provision.py" --check "$here/provision.example.txt" >"$scratch/out" 2>&1; then
    pass "provision.example.txt is a valid provisioning file"
else
    fail "provision.example.txt"
    sed 's/^/      /' "$scratch/out"
fi

# -- udev rules ----------------------------------------------------------------
mapfile -t rules < <(find "$overlay" -name '*.rules' | sort)
if "$python" "$here/check/lint_udev.py" --group-file "$root/etc/group" "${rules[@]}" >"$scratch/out" 2>&1; then
    pass "udev rules lint (${#rules[@]} files)"
else
    fail "udev rules lint"
    sed 's/^/      /' "$scratch/out"
fi

# -- Chromium policies and the one port everything must agree on ---------------
port=$(sed -nE 's/^ExecStart=.*kiosk\.(serve|updates\.launch).*--port ([0-9]+).*/\2/p' "$overlay/etc/systemd/system/nuantu-app.service")
mapfile -t policies < <(find "$overlay/etc/chromium/policies" -name '*.json' | sort)
if [ -n "$port" ] && "$python" "$here/check/check_policies.py" --port "$port" "${policies[@]}" >"$scratch/out" 2>&1; then
    pass "Chromium policies (${#policies[@]} files, local app on port $port only)"
else
    fail "Chromium policies (port '${port}')"
    sed 's/^/      /' "$scratch/out"
fi
mismatched=$(grep -rhoIE '127\.0\.0\.1:[0-9]+' "$overlay" | sort -u | grep -v ":$port\$" || true)
if [ -z "$mismatched" ]; then
    pass "every 127.0.0.1 URL in the image uses the app's port $port"
else
    fail "URLs with another port than $port: $mismatched"
fi

# -- fstab syntax ---------------------------------------------------------------
findmnt --verify --tab-file "$overlay/etc/fstab" >"$scratch/out" 2>&1 || true
if grep -q '^0 parse errors' "$scratch/out"; then
    pass "fstab parses"
else
    fail "fstab"
    sed 's/^/      /' "$scratch/out"
fi

if [ "$failures" -gt 0 ]; then
    echo "image-check: $failures check(s) failed"
    exit 1
fi
echo "image-check: all passed"
