#!/bin/bash
# Boot the built kiosk image in QEMU (UEFI, software emulation) and check that
# the kiosk comes up: provisioning applied from the boot partition, the app
# and cage+Chromium active, /healthz ok, read-only root, data partition grown,
# hardware watchdog in use. A second boot checks what must survive a reboot
# (settings, machine id, journal). The image's dormant nuantu-probe.service
# reports on the serial console when the kernel command line has
# nuantu.probe; this script adds that to a copy of the image with mtools
# (no loop device, no mount) and reads the console log.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: deploy/kiosk-image/boot-test.sh [options]

  -o, --out DIR      where build.sh put the image (default: build/kiosk-image)
  -i, --image FILE   the image (.img or .img.zst; default: newest in OUT)
      --boots N      1 or 2 (default 2: the second checks what survives a reboot)
      --timeout S    seconds allowed per boot (default 900)
      --gpu DEV      QEMU display: virtio-gpu-pci (default), virtio-vga or std
      --after-probe S  seconds to keep looking for the home page after the probe's report (default 300)
      --keep         keep the booted disk copy and console logs in OUT/boot-test
  -h, --help         this help
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/kiosk-image
image=
boots=2
timeout=900
keep=no
gpu=virtio-gpu-pci
after_probe=300
while [ $# -gt 0 ]; do
    case "$1" in
        -o|--out) out=${2:?}; shift 2 ;;
        -i|--image) image=${2:?}; shift 2 ;;
        --boots) boots=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --keep) keep=yes; shift ;;
        --gpu) gpu=${2:?}; shift 2 ;;
        --after-probe) after_probe=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "boot-test.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

# shellcheck source-path=SCRIPTDIR source=qemu-tools.sh
. "$here/qemu-tools.sh"
if [ -z "$image" ]; then
    image=$(newest_image "$out")
fi
if [ -z "$image" ] || [ ! -f "$image" ]; then
    echo "boot-test.sh: no image found in $out; run make image first" >&2
    exit 1
fi

need_qemu_tools

work=$out/boot-test
rm -rf "$work"
mkdir -p "$work"
cleanup() { if [ "$keep" = no ]; then rm -f "$work/disk.img" "$work/vars.fd"; fi; }
trap cleanup EXIT

disk=$work/disk.img
echo "== image $image"
unpack_image "$image" "$disk"
# A bigger "disk" than the image (6.5 GiB with both root slots), as on a
# kiosk: the data partition must grow.
truncate -s 10G "$disk"

# Edit the boot partition (FAT, starting at 1 MiB) in place with mtools.
esp="$disk@@1M"
export MTOOLS_SKIP_CHECK=1
mcopy -n -i "$esp" ::/loader/entries/nuantu-a.conf "$work/entry.conf"
# The serial port becomes /dev/console (listed last), so boot messages and an
# emergency shell show up in the console log too. The probe does not power
# off by itself: screen.py does, once the probe is done and the screen was
# looked at.
sed -i -e 's/console=ttyS0,115200 console=tty1/console=tty1 console=ttyS0,115200/' \
    -e 's/^options .*/& nuantu.probe/' "$work/entry.conf"
mcopy -o -i "$esp" "$work/entry.conf" ::/loader/entries/nuantu-a.conf
token=boot-test-token-$(date +%s)-abcdefgh
printf '%s\r\n' "# written by boot-test.sh" "STATION=boot-test" "STATION_NAME=启动测试站" \
    "STATION_COUNTY=510104" "PRINTER_URL=usb://0fe6:811e" "SYNC_TOKEN=$token" > "$work/provision.txt"
mcopy -o -i "$esp" "$work/provision.txt" ::/nuantu-provision.txt

cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
# Software emulation (TCG): KVM is not usable on this kind of machine (-cpu
# host aborts; other CPU models stop in the firmware with an emulation failure).
machine=(-accel tcg)
case "$gpu" in
    virtio-gpu-pci|virtio-vga) display=(-vga none -device "$gpu") ;;
    std) display=(-vga std) ;;
    *) echo "boot-test.sh: --gpu must be virtio-gpu-pci, virtio-vga or std" >&2; exit 2 ;;
esac

failures=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
probe() {  # probe KEY: the value the probe reported for KEY in this boot's log
    { grep -a "^NUANTU-PROBE $1 " "$log" || true; } | head -n 1 | sed "s|^NUANTU-PROBE $1 ||" | tr -d '\r'
}

verdict_field() {  # verdict_field KEY: the value of KEY=VALUE in the probe's verdict
    printf '%s\n' "$verdict" | tr ' ' '\n' | sed -n "s|^$1=||p" | head -n 1
}

boot() {  # boot N: run QEMU, look at its screen, power it off when the probe is done
    log=$work/console-$1.log
    echo "== boot $1 (QEMU TCG, display $gpu, timeout ${timeout}s)"
    local started ended reported='' qemu watcher sock=$work/monitor-$1.sock screen=$work/screen-$1
    : > "$log"
    rm -f "$sock"
    started=$(date +%s.%N)
    timeout "$timeout" qemu-system-x86_64 -machine q35 "${machine[@]}" -smp 2 -m 2048 \
        -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
        -drive if=pflash,format=raw,file="$work/vars.fd" \
        -drive file="$disk",format=raw,if=virtio \
        "${display[@]}" -device virtio-keyboard-pci -device virtio-tablet-pci \
        -device i6300esb -nic user,model=virtio-net-pci \
        -display none -serial file:"$log" -monitor unix:"$sock",server=on,wait=off -no-reboot &
    qemu=$!
    # Screendumps every 5 s from power-on; the first that shows the home
    # page's four tiles is kept as home.png (time to first screen).
    python3 "$here/check/screen.py" watch --monitor "$sock" --out "$screen" --console "$log" \
        --timeout "$timeout" --after-probe "$after_probe" > "$work/screen-$1.txt" 2>&1 &
    watcher=$!
    # Wall-clock time from power-on until the probe's verdict line shows up on
    # the serial console (both kiosk units reported, /healthz asked).
    while kill -0 "$qemu" 2>/dev/null; do
        if [ -z "$reported" ] && grep -aq '^NUANTU-PROBE kiosk ' "$log"; then reported=$(date +%s.%N); fi
        sleep 1
    done
    wait "$qemu" || true
    ended=$(date +%s.%N)
    wait "$watcher" || true
    first_home=$(sed -n 's/^SCREEN first-home=//p' "$work/screen-$1.txt")
    seconds=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.0f", b - a }')
    if [ -n "$reported" ]; then
        to_probe=$(awk -v a="$started" -v b="$reported" 'BEGIN { printf "%.0f", b - a }')
    else
        to_probe=none
    fi
    echo "boot $1: ${to_probe} s from power-on to the probe's verdict, $seconds s to power-off"
    # The verdict: "NUANTU-PROBE kiosk nuantu-app.service=STATE
    # cage@tty1.service=STATE healthz=HTTP-STATUS|none uptime=SECONDS".
    verdict=$(probe kiosk)
    check "probe verdict on the serial console" test -n "$verdict"
    if [ -z "$verdict" ]; then
        echo "      no verdict; the end of $log:"
        tail -n 30 "$log" | sed 's/^/      /'
        return
    fi
    check "nuantu-app.service active" test "$(verdict_field nuantu-app.service)" = active
    check "cage@tty1.service active" test "$(verdict_field cage@tty1.service)" = active
    check "/healthz answered 200 ($(verdict_field healthz))" test "$(verdict_field healthz)" = 200
    echo "      verdict $to_probe s after power-on, at $(verdict_field uptime) s of kernel uptime"
    check "probe report complete" grep -aq '^NUANTU-PROBE end' "$log"
    for unit in seatd.service nuantu-provision.service nuantu-grow-data.service; do
        check "$unit active" test "$(probe "unit $unit")" = active
    done
    check "Chromium running under cage" test "$(probe chromium-processes)" -gt 0 2>/dev/null
    check "kiosk home page on the screen (${first_home:-none} s after power-on; $screen/home.png)" \
        test -n "$first_home" -a "$first_home" != none
    sed -n 's/^SCREEN last /      last screendump: /p' "$work/screen-$1.txt"
    echo "      display: $(probe display | sed 's/^kiosk-session: //')"
    check "no failed units ($(probe failed-units))" test -z "$(probe failed-units | tr -d ' ')"
    check "/healthz ok for the provisioned station" grep -aq '^NUANTU-PROBE healthz .*"station":"boot-test".*"status":"ok"' "$log"
    check "root is an overlay on tmpfs" grep -aq '^NUANTU-PROBE root overlay' "$log"
    check "lower root mounted read-only" grep -aqE '^NUANTU-PROBE root-lower .*\bro\b' "$log"
    check "journal on the data partition" grep -aq '^NUANTU-PROBE journal .*nuantu-data\|^NUANTU-PROBE journal /dev/' "$log"
    check "data partition grown past 256M ($(probe data))" grep -aqE '^NUANTU-PROBE data /dev/vda4 +ext4 +[2-9]\.[0-9]G' "$log"
    check "hardware watchdog in use ($(probe watchdog))" grep -aq '^NUANTU-PROBE watchdog 30s device /dev/watchdog0' "$log"
    check "udev rule for the provisioned usb:// printer" grep -aq '^NUANTU-PROBE printer-rule .*0fe6.*811e' "$log"
    echo "      after the kernel started: graphical.target at $(probe graphical), app ready at $(probe app-ready-after-boot), cage active at $(probe cage-active-after-boot)"
    echo "boot=$1 display=$gpu first-home=${first_home:-none}s to-verdict=${to_probe}s verdict-uptime=$(verdict_field uptime)s power-off=${seconds}s graphical=$(probe graphical) app=$(verdict_field nuantu-app.service) cage=$(verdict_field cage@tty1.service) healthz=$(verdict_field healthz)" >> "$work/times"
    if [ "$failures" -gt 0 ]; then
        echo "      warnings and kiosk unit logs of this boot:"
        grep -a '^NUANTU-LOG' "$log" | cut -c12- | sed 's/^/      /'
    fi
}

boot 1
mdir -b -i "$esp" ::/ > "$work/esp-after.txt" 2>&1 || true
check "provisioning file wiped and removed from the boot partition" bash -c "! grep -qi 'nuantu-provision.txt' '$work/esp-after.txt'"
check "receipt left on the boot partition" grep -qi 'nuantu-provisioned.txt' "$work/esp-after.txt"
mtype -i "$esp" ::/nuantu-provisioned.txt > "$work/receipt.txt" 2>&1 || true
check "receipt names the station and holds no secret" bash -c "grep -q 'boot-test' '$work/receipt.txt' && ! grep -q '$token' '$work/receipt.txt'"
first_id=$(probe machine-id | cut -d' ' -f1)

if [ "$boots" -ge 2 ]; then
    boot 2
    second_id=$(probe machine-id | cut -d' ' -f1)
    check "machine id kept across reboots ($first_id)" test -n "$first_id" -a "$first_id" = "$second_id"
    check "journal kept across reboots ($(probe boot-count) boots listed)" test "$(probe boot-count)" -ge 2
fi

if [ "$failures" -gt 0 ]; then
    echo "boot-test: $failures check(s) failed; console logs in $work"
    exit 1
fi
echo "boot-test: all passed; console logs in $work"
