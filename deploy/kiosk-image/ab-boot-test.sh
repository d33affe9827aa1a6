#!/bin/bash
# OS updates in QEMU (A/B root slots): four boots of one disk, USB sticks made
# with mtools (no loop device, no mount).
#
#   boot 1  slot A, stick with a signed bundle V.1: provisioning stores the
#           release key, nuantu-os-boot.service writes V.1 into slot B, books it
#           once (bootctl set-oneshot) and reboots
#   boot 2  slot B on trial: app + screen healthy -> B confirmed, made the
#           default; a second stick holds V.2 whose kernel command line masks
#           the app: it is written into slot A and booted once
#   boot 3  slot A on trial, never healthy (nuantu.os_trial=240): reboot
#   boot 4  back on slot B (the default), V.2 recorded as failed (boot 3's
#           probe is cut short by that reboot; boot 4 prints the status file)
#
# Evidence: the probe's NUANTU-PROBE os-* lines on each boot's serial console,
# loader.conf on the boot partition after each boot. Needs the repository's
# venv (os_bundle.py signs with kiosk.keys) and an image from build.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/kiosk-image
image=
timeout=1200
boots=4
from=1
while [ $# -gt 0 ]; do
    case "$1" in
        -o|--out) out=${2:?}; shift 2 ;;
        -i|--image) image=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --boots) boots=${2:?}; shift 2 ;;
        --from) from=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "ab-boot-test.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
# shellcheck source-path=SCRIPTDIR source=qemu-tools.sh
. "$here/qemu-tools.sh"
if [ -z "$image" ]; then
    image=$(newest_image "$out")
fi
if [ -z "$image" ] || [ ! -f "$image" ]; then echo "ab-boot-test.sh: no image; run make image first" >&2; exit 1; fi
python=$repo/.venv/bin/python
need_qemu_tools

work=$out/ab-boot-test
disk=$work/disk.img
export MTOOLS_SKIP_CHECK=1
esp="$disk@@1M"
if [ "$from" -gt 1 ]; then
    # Go on with the disk and firmware variables a previous run left (--from N).
    os_version=$(mtype -i "$esp" ::/nuantu/build-info.txt | tr -d '\r' | sed -n 's/^os-version: //p')
else
rm -rf "$work"
mkdir -p "$work"
echo "== image $image"
unpack_image "$image" "$disk"
os_version=$(mtype -i "$esp" ::/nuantu/build-info.txt | tr -d '\r' | sed -n 's/^os-version: //p')
echo "== image OS version $os_version"

# The office's release key (as `fleet release-key` keeps it) and two bundles.
"$python" -c "import sys; from kiosk import keys; keys.write_private(sys.argv[1], keys.generate())" "$work/office.key"
public=$("$python" -c "import sys; from kiosk import keys; print(keys.public_text(keys.read_private(sys.argv[1])))" "$work/office.key")
started=$(date +%s)
"$python" "$here/os_bundle.py" --key "$work/office.key" --image "$disk" --version "$os_version.1" \
    --out "$work/good.nuantu-os"
echo "bundle: $(( $(date +%s) - started )) s to make"
"$python" "$here/os_bundle.py" --key "$work/office.key" --image "$disk" --version "$os_version.2" \
    --append-cmdline "systemd.mask=nuantu-app.service nuantu.os_trial=240" --out "$work/broken.nuantu-os"
stick() {  # stick NAME BUNDLE: a FAT32 "USB stick" image holding BUNDLE
    local size
    size=$(( $(stat -c %s "$2") / 1024 + 65536 ))
    mkfs.vfat -F 32 -n STICK -C "$work/$1.img" "$size" >/dev/null
    mcopy -i "$work/$1.img" "$2" "::/$(basename "$2")"
}
stick stick1 "$work/good.nuantu-os"
stick stick2 "$work/broken.nuantu-os"

# Slot A's entry: the probe on the serial console, powering off when done.
mcopy -n -i "$esp" ::/loader/entries/nuantu-a.conf "$work/entry.conf"
sed -i -e 's/console=ttyS0,115200 console=tty1/console=tty1 console=ttyS0,115200/' \
    -e 's/^options .*/& nuantu.probe=poweroff/' "$work/entry.conf"
mcopy -o -i "$esp" "$work/entry.conf" ::/loader/entries/nuantu-a.conf
printf '%s\r\n' "STATION=ab-test" "STATION_NAME=升级测试站" "STATION_COUNTY=510104" \
    "PRINTER_URL=preview:///var/lib/nuantu/instance/tickets" "SYNC_TOKEN=ab-test-token-$(date +%s)-abcdefgh" \
    "RELEASE_PUBLIC_KEY=$public" > "$work/provision.txt"
mcopy -o -i "$esp" "$work/provision.txt" ::/nuantu-provision.txt
truncate -s 10G "$disk"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
fi

failures=0
check() {
    local what=$1
    shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
probe() { { grep -a "^NUANTU-PROBE $2 " "$work/console-$1.log" || true; } | tail -n 1 | sed "s|^NUANTU-PROBE $2 ||" | tr -d '\r'; }

boot() {  # boot N [STICK]
    local log=$work/console-$1.log usb=() t0 t1
    # The USB controller is always there: with it only in some boots the PCI
    # addresses moved and OVMF found no boot disk (UEFI shell) in the next.
    if [ -n "${2:-}" ]; then
        usb=(-drive "if=none,id=stick,format=raw,file=$work/$2.img" -device "usb-storage,bus=xhci.0,drive=stick")
    fi
    echo "== boot $1 ${2:+(with $2)}"
    t0=$(date +%s)
    timeout "$timeout" qemu-system-x86_64 -machine q35 -accel tcg -smp 2 -m 2048 \
        -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
        -drive if=pflash,format=raw,file="$work/vars.fd" \
        -drive "if=none,id=disk,format=raw,file=$disk" -device "virtio-blk-pci,drive=disk,bootindex=0" \
        -device "qemu-xhci,id=xhci" "${usb[@]}" \
        -vga none -device virtio-gpu-pci -device virtio-keyboard-pci -device virtio-tablet-pci \
        -device i6300esb -nic user,model=virtio-net-pci \
        -display none -serial file:"$log" -no-reboot || true
    t1=$(date +%s)
    mtype -i "$esp" ::/loader/loader.conf | tr -d '\r' | head -n 1 > "$work/loader-$1.txt"
    echo "boot $1: $((t1 - t0)) s power-on to QEMU exit; $(probe "$1" kiosk); $(probe "$1" os-slot); $(cat "$work/loader-$1.txt")"
    grep -a '^NUANTU-PROBE os-' "$log" | cut -c1-400 | sed 's/^/      /'
    echo "boot=$1 seconds=$((t1 - t0)) slot=$(probe "$1" os-slot) $(tr ' ' '=' < "$work/loader-$1.txt")" >> "$work/times"
}

if [ "$from" -le 1 ]; then
boot 1 stick1
check "boot 1 ran slot A" test "$(probe 1 os-slot)" = nuantu-root-a
check "boot 1 ended in a reboot, not the probe's power-off" bash -c "! grep -aq '^NUANTU-PROBE end' '$work/console-1.log'"
check "slot A still the default after writing B" grep -q 'default nuantu-a.conf' "$work/loader-1.txt"
mdir -b -i "$esp" ::/loader/entries > "$work/entries-1.txt"
check "slot B's loader entry written" grep -qi 'nuantu-b.conf' "$work/entries-1.txt"
fi
[ "$boots" -ge 2 ] || exit "$failures"

if [ "$from" -le 2 ]; then
boot 2 stick2
check "boot 2 ran slot B (the one-shot entry)" test "$(probe 2 os-slot)" = nuantu-root-b
check "boot 2: app and screen up ($(probe 2 kiosk))" grep -aq '^NUANTU-PROBE kiosk nuantu-app.service=active cage@tty1.service=active healthz=200' "$work/console-2.log"
check "boot 2: loader.conf default is now B (confirmed)" grep -q 'default nuantu-b.conf' "$work/loader-2.txt"
check "boot 2: A's entry booked for the broken bundle" bash -c "mtype -i '$esp' ::/loader/entries/nuantu-a.conf | grep -q 'nuantu.os_trial=240'"
fi
[ "$boots" -ge 3 ] || exit "$failures"

boot 3
check "boot 3 ran slot A on trial" test "$(probe 3 os-slot)" = nuantu-root-a
check "boot 3 ended in a reboot, not the probe's power-off" bash -c "! grep -aq '^NUANTU-PROBE end' '$work/console-3.log'"
check "boot 3: B stays the default" grep -q 'default nuantu-b.conf' "$work/loader-3.txt"
[ "$boots" -ge 4 ] || exit "$failures"

boot 4
check "boot 4 back on slot B" test "$(probe 4 os-slot)" = nuantu-root-b
check "boot 4: app and screen up" grep -aq '^NUANTU-PROBE kiosk nuantu-app.service=active cage@tty1.service=active healthz=200' "$work/console-4.log"
check "boot 4: B was confirmed in boot 2 (events)" grep -aq "^NUANTU-PROBE os-update .*version $os_version.1 in slot B confirmed" "$work/console-4.log"
check "boot 4: slot A's trial was not healthy in time" grep -aq "^NUANTU-PROBE os-update .*version $os_version.2 in slot A not healthy 240 s after boot: rebooting into slot B" "$work/console-4.log"
check "boot 4: $os_version.2 recorded as failed" grep -aq "^NUANTU-PROBE os-update .*\"failed\": \[ *\"$os_version.2\"" "$work/console-4.log"

if [ "$failures" -gt 0 ]; then
    echo "ab-boot-test: $failures check(s) failed; logs in $work"
    exit 1
fi
echo "ab-boot-test: all passed; logs in $work"
