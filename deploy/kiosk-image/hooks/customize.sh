#!/bin/sh
# mmdebstrap --customize-hook: turn the freshly bootstrapped ROOTFS into the
# kiosk. Runs on the build host as root, after the packages are installed and
# the overlay/ tree has been copied in (sync-in). Arguments: ROOTFS WHEELHOUSE.
set -eu

rootfs=${1:?usage: customize.sh ROOTFS WHEELHOUSE}
wheelhouse=${2:?usage: customize.sh ROOTFS WHEELHOUSE}
# A clean environment: the build host's PIP_*/PYTHON* settings must not leak in.
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 chroot "$rootfs" "$@"; }

# Users: the app (owns the data, may use printers) and the screen (may use
# the display and input devices, nothing else). No passwords anywhere; root
# stays locked.
in_root useradd --system --user-group --home-dir /var/lib/nuantu --no-create-home \
    --shell /usr/sbin/nologin --groups lp,dialout nuantu
in_root useradd --system --user-group --home-dir /run/kiosk --no-create-home \
    --shell /usr/sbin/nologin --groups video,render,input kiosk
in_root passwd --lock root >/dev/null

# The kiosk app in its own venv, from the wheels built on the host (no
# network needed in the chroot). Bytecode is compiled now: the root file
# system is read-only on the kiosk.
mkdir -p "$rootfs/tmp/wheels"
cp "$wheelhouse"/*.whl "$wheelhouse"/requirements.lock "$rootfs/tmp/wheels/"
in_root python3 -m venv /opt/nuantu/venv
# The dependencies exactly as locked (hashes checked), then the app itself.
in_root /opt/nuantu/venv/bin/pip install --quiet --no-index --no-cache-dir --require-hashes \
    --find-links /tmp/wheels -r /tmp/wheels/requirements.lock
in_root /opt/nuantu/venv/bin/pip install --quiet --no-index --no-cache-dir --no-deps \
    --find-links /tmp/wheels nuantu-kiosk
in_root /opt/nuantu/venv/bin/pip check
rm -rf "$rootfs/tmp/wheels"
in_root /opt/nuantu/venv/bin/python -m compileall -q /opt/nuantu/venv >/dev/null

# Time zone and locale (C.UTF-8 is built into glibc; Chromium gets --lang).
ln -sf /usr/share/zoneinfo/Asia/Shanghai "$rootfs/etc/localtime"
echo Asia/Shanghai > "$rootfs/etc/timezone"
echo LANG=C.UTF-8 > "$rootfs/etc/default/locale"

# Name resolution through systemd-resolved (networkd feeds it DHCP's DNS).
ln -sf /run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

# Empty machine-id: systemd makes one at boot (not a "first boot", so no
# prompts); the initramfs restores the one saved on the data partition.
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"

# Mount points for the data partition and its bind mounts.
mkdir -p "$rootfs/var/lib/nuantu" "$rootfs/var/log/journal" "$rootfs/var/lib/systemd/timers"

# Units: what runs, what never should on a kiosk.
systemctl --root="$rootfs" enable \
    nuantu-app.service cage@tty1.service nuantu-provision.service nuantu-grow-data.service \
    nuantu-probe.service nuantu-backup.timer nuantu-sync-export.timer \
    nuantu-os-update.path nuantu-os-boot.service nuantu-os-reboot.timer \
    seatd.service chrony.service systemd-networkd.service systemd-resolved.service
systemctl --root="$rootfs" set-default graphical.target
# No login anywhere (root is locked anyway): not on tty1 (the screen) and not
# on the serial port the kernel console also uses.
systemctl --root="$rootfs" mask \
    ctrl-alt-del.target getty@tty1.service serial-getty@ttyS0.service \
    systemd-networkd-wait-online.service \
    apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer

# The initramfs again, now with our machine-id script and overlayroot.
in_root update-initramfs -u -k all

# The package list, for `cat /usr/local/share/nuantu/packages.txt` on a kiosk.
mkdir -p "$rootfs/usr/local/share/nuantu"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
in_root dpkg-query --show --showformat '${Package} ${Version}\n' > "$rootfs/usr/local/share/nuantu/packages.txt"
