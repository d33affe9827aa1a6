#!/bin/bash
# Build the Nuantu kiosk disk image: Debian bookworm (minbase) + cage +
# Chromium + the kiosk app, read-only root, separate data partition, UEFI.
#
# Uses only Debian tools and needs no loop device, mount, KVM or binfmt:
# mmdebstrap builds the root file system in a directory, mkfs.ext4 -d and
# mkfs.vfat + mtools turn directories into partition images, sfdisk writes a
# GPT into the disk image file and dd places the partitions.
#
# Run as root on Debian bookworm (amd64). Network: deb.debian.org and PyPI.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: deploy/kiosk-image/build.sh [options]

Builds OUT/nuantu-kiosk-VERSION-amd64.img.zst (a whole-disk image: write it
to the kiosk's SSD, eMMC or SD card) and its .sha256.

Options:
  -o, --out DIR       output directory (default: build/kiosk-image)
  -m, --mirror URL    Debian mirror (default: http://deb.debian.org/debian; security
                      updates always come from http://deb.debian.org/debian-security)
      --apt-cache DIR keep downloaded .debs here between builds (default: OUT/apt-cache;
                      "none" to download everything each time)
      --work DIR      scratch directory (default: OUT/work; deleted unless --keep-work)
      --keep-work     keep the root file system and partition images for inspection
      --no-compress   leave the .img uncompressed (what make image-boot-test uses)
      --os-version V  the OS version (default: UTC build time, YYYY.MMDD.HHMM); OS
                      bundles must be newer than what a kiosk runs
      --bundle-key F  also write the signed OS bundle (os_bundle.py) with the
                      release key in file F (base64 seed, as `fleet release-key` keeps it)
  -h, --help          this help

Environment: APT_PROXY=http://host:3142 to use an apt cache.
Partition layout (GPT, fixed so later images can replace boot+root and keep data):
  1  NUANTU-BOOT    FAT32  256 MiB  ESP: systemd-boot, a kernel + initrd per slot, provisioning file
  2  nuantu-root-a  ext4     3 GiB  root slot A: read-only root under a tmpfs overlay
  3  nuantu-root-b  ext4     3 GiB  root slot B: empty; OS updates are written to the idle slot
  4  nuantu-data    ext4   256 MiB  /var/lib/nuantu; grows to fill the disk at first boot
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/kiosk-image
mirror=http://deb.debian.org/debian
work=
apt_cache=
keep_work=no
compress=yes
os_version=
bundle_key=

while [ $# -gt 0 ]; do
    case "$1" in
        -o|--out) out=${2:?}; shift 2 ;;
        -m|--mirror) mirror=${2:?}; shift 2 ;;
        --work) work=${2:?}; shift 2 ;;
        --apt-cache) apt_cache=${2:?}; shift 2 ;;
        --keep-work) keep_work=yes; shift ;;
        --no-compress) compress=no; shift ;;
        --os-version) os_version=${2:?}; shift 2 ;;
        --bundle-key) bundle_key=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

BOOT_MIB=256
ROOT_MIB=3072
DATA_MIB=256
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
ROOT_TYPE=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709   # root-x86-64 (discoverable partitions)
DATA_TYPE=0FC63DAF-8483-4772-8E79-3D69D8477DE4   # linux-generic: never auto-mounted
# @SLOT@ is the root slot, a or b: each slot has its own loader entry.
CMDLINE="root=PARTLABEL=nuantu-root-@SLOT@ ro rootfstype=ext4 overlayroot=tmpfs:recurse=0 fsck.repair=yes systemd.gpt_auto=0 consoleblank=0 panic=10 quiet loglevel=3 vt.global_cursor_default=0 console=ttyS0,115200 console=tty1"

os_version=${os_version:-$(date -u +%Y.%m%d.%H%M)}
[[ "$os_version" =~ ^[0-9]+(\.[0-9]+){0,5}$ ]] || { echo "build.sh: --os-version must be numbers and dots" >&2; exit 2; }
if [ -n "$bundle_key" ]; then bundle_key=$(cd "$(dirname "$bundle_key")" && pwd)/$(basename "$bundle_key"); fi
[ "$(id -u)" -eq 0 ] || { echo "build.sh: run as root (mmdebstrap and mkfs -d keep file ownership)" >&2; exit 1; }
out=$(mkdir -p "$out" && cd "$out" && pwd)
work=${work:-$out/work}
apt_cache=${apt_cache:-$out/apt-cache}
rm -rf "$work"
mkdir -p "$work"
cleanup() { if [ "$keep_work" = no ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

started=$(date +%s)
step_started=$started
step() {
    local now
    now=$(date +%s)
    if [ -n "${step_name:-}" ]; then
        printf '%-28s %4d s\n' "$step_name" $((now - step_started)) | tee -a "$work/timings.txt"
    fi
    step_name=$1
    step_started=$now
    echo "== $1"
}

step "host tools"
missing=()
for tool in mmdebstrap:mmdebstrap mkfs.vfat:dosfstools mcopy:mtools sfdisk:fdisk zstd:zstd mkfs.ext4:e2fsprogs; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "kiosk wheel + dependencies"
# The image's Python is Debian's 3.11, so fetch binary wheels for exactly that.
make -C "$repo" --no-print-directory translations >/dev/null
python3 -m pip wheel --quiet --no-deps --wheel-dir "$work/wheels" "$repo"
rm -rf "$repo/build/lib" "$repo/build/bdist."*
# Exactly the versions and files of the lock (requirements/kiosk.lock, with
# hashes): the image installs what CI tested, not whatever is newest today.
python3 -m pip download --quiet --dest "$work/wheels" --only-binary=:all: --require-hashes \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform any \
    --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
    -r "$repo/requirements/kiosk.lock"
cp "$repo/requirements/kiosk.lock" "$work/wheels/requirements.lock"
version=$(basename "$work"/wheels/nuantu_kiosk-*.whl | cut -d- -f2)
revision=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
name=nuantu-kiosk-$version-amd64

step "root file system (mmdebstrap)"
packages=$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)
hooks=()
if [ -n "${APT_PROXY:-}" ]; then hooks+=(--aptopt="Acquire::http::Proxy \"$APT_PROXY\""); fi
if [ "$apt_cache" != none ]; then
    # mmdebstrap's documented way to reuse downloads: copy the cache in before
    # apt runs, copy it back out afterwards. ("$1" is the hook's rootfs.)
    mkdir -p "$apt_cache"
    # shellcheck disable=SC2016
    hooks+=(--skip=download/empty --skip=essential/unlink
        --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
        --setup-hook="sync-in $apt_cache /var/cache/apt/archives/"
        --customize-hook="sync-out /var/cache/apt/archives $apt_cache"
        --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb')
fi
mmdebstrap --variant=minbase --mode=root \
    --include="$packages" "${hooks[@]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/zh_CN/*' \
    --customize-hook="sync-in $here/overlay /" \
    --customize-hook="find \"\$1/usr/local/lib/nuantu\" -name __pycache__ -prune -exec rm -rf {} +" \
    --customize-hook="'$here/hooks/customize.sh' \"\$1\" '$work/wheels'" \
    bookworm "$work/rootfs" \
    "deb $mirror bookworm main" \
    "deb $mirror bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
rootfs=$work/rootfs
mkdir -p "$rootfs/usr/local/share/doc/nuantu"
cp "$here/README.md" "$rootfs/usr/local/share/doc/nuantu/README.md"
cat > "$rootfs/usr/local/share/nuantu/build-info" <<INFO
image: $name
os-version: $os_version
app: nuantu-kiosk $version ($revision)
built: $(date -u +%Y-%m-%dT%H:%M:%SZ)
debian: bookworm $(cat "$rootfs/etc/debian_version")
kernel: $(basename "$rootfs"/boot/vmlinuz-* | sed 's/^vmlinuz-//')
INFO

step "boot partition (FAT32, systemd-boot)"
boot_img=$work/boot.vfat
kernel=$(find "$rootfs/boot" -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$rootfs/boot/initrd.img-${kernel##*/vmlinuz-}
mkdir -p "$work/esp/EFI/BOOT" "$work/esp/loader/entries" "$work/esp/nuantu/a"
cp "$rootfs/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$work/esp/EFI/BOOT/BOOTX64.EFI"
# Slot A's kernel and initrd; an OS update writes slot B's beside them.
cp "$kernel" "$work/esp/nuantu/a/vmlinuz"
cp "$initrd" "$work/esp/nuantu/a/initrd.img"
# No menu, no editor: nobody at the screen can change the kernel command line.
# The default is the slot known to be good; an update boots the other once
# (bootctl set-oneshot) and makes it the default only when it came up healthy.
printf 'default nuantu-a.conf\ntimeout 0\neditor no\nconsole-mode keep\n' > "$work/esp/loader/loader.conf"
printf 'title Nuantu kiosk OS %s (slot A)\nlinux /nuantu/a/vmlinuz\ninitrd /nuantu/a/initrd.img\noptions %s\n' \
    "$os_version" "${CMDLINE//@SLOT@/a}" > "$work/esp/loader/entries/nuantu-a.conf"
sed 's/$/\r/' "$here/provision.example.txt" > "$work/esp/nuantu-provision.example.txt"
sed 's/$/\r/' "$rootfs/usr/local/share/nuantu/build-info" > "$work/esp/nuantu/build-info.txt"
rm -f "$boot_img"
truncate -s "${BOOT_MIB}M" "$boot_img"
mkfs.vfat -F 32 -n NUANTU-BOOT "$boot_img" >/dev/null
mcopy -s -i "$boot_img" "$work/esp/"* ::/

step "root partition, slot A (mkfs.ext4 -d)"
root_img=$work/root.ext4
rm -f "$root_img"
mkfs.ext4 -q -L nuantu-root -d "$rootfs" -E lazy_itable_init=0,lazy_journal_init=0 \
    "$root_img" "${ROOT_MIB}M"

step "data partition (skeleton)"
data_img=$work/data.ext4
app_ids=$(chroot "$rootfs" id -u nuantu):$(chroot "$rootfs" id -g nuantu)
journal_gid=$(chroot "$rootfs" getent group systemd-journal | cut -d: -f3)
skeleton=$work/data
rm -rf "$skeleton"
mkdir -p "$skeleton"/{instance,backups,exports,chrony,timers,journal,os-update,os-update.staging}
chown "$app_ids" "$skeleton"/instance "$skeleton"/backups "$skeleton"/exports "$skeleton"/os-update "$skeleton"/os-update.staging
chmod 0700 "$skeleton"/instance "$skeleton"/backups "$skeleton"/exports "$skeleton"/os-update "$skeleton"/os-update.staging
chown "0:$journal_gid" "$skeleton/journal"
chmod 2755 "$skeleton/journal"
rm -f "$data_img"
mkfs.ext4 -q -L nuantu-data -d "$skeleton" "$data_img" "${DATA_MIB}M"

step "disk image (sfdisk + dd)"
img=$out/$name.img
rm -f "$img" "$img.zst"
truncate -s $((1 + BOOT_MIB + 2 * ROOT_MIB + DATA_MIB + 1))M "$img"
sfdisk --quiet "$img" <<LAYOUT
label: gpt
first-lba: 2048
start=1MiB, size=${BOOT_MIB}MiB, type=$ESP_TYPE, name="NUANTU-BOOT"
size=${ROOT_MIB}MiB, type=$ROOT_TYPE, name="nuantu-root-a"
size=${ROOT_MIB}MiB, type=$ROOT_TYPE, name="nuantu-root-b"
size=${DATA_MIB}MiB, type=$DATA_TYPE, name="nuantu-data"
LAYOUT
offset=1
# Slot B stays empty (zeros, sparse): the first OS update fills it.
for part in "$boot_img:$BOOT_MIB" "$root_img:$ROOT_MIB" ":$ROOT_MIB" "$data_img:$DATA_MIB"; do
    if [ -n "${part%:*}" ]; then
        dd if="${part%:*}" of="$img" bs=1M seek="$offset" conv=notrunc,sparse status=none
    fi
    offset=$((offset + ${part##*:}))
done
if [ -n "$bundle_key" ]; then
    step "OS bundle (os_bundle.py)"
    # The repository's venv (make translations made it) has PyNaCl and kiosk.keys.
    "$repo/.venv/bin/python" "$here/os_bundle.py" --key "$bundle_key" --version "$os_version" --cmdline "$CMDLINE" \
        --root "$root_img" --kernel "$kernel" --initrd "$initrd" --out "$out/nuantu-os-$os_version.nuantu-os"
fi

if [ "$compress" = yes ]; then
    step "compress (zstd -T2)"
    zstd -q -T2 --rm "$img" -o "$img.zst"
    (cd "$out" && sha256sum "$name.img.zst" > "$name.img.zst.sha256")
    artifact=$img.zst
else
    artifact=$img
fi
cp "$rootfs/usr/local/share/nuantu/build-info" "$out/$name.build-info"
cp "$rootfs/usr/local/share/nuantu/packages.txt" "$out/$name.packages"

step "finished"
total=$(( $(date +%s) - started ))
printf '%-28s %4d s\n' total "$total" | tee -a "$work/timings.txt"
cp "$work/timings.txt" "$out/$name.timings"
echo "image: $artifact ($(du -h --apparent-size "$artifact" | cut -f1), $(du -h "$artifact" | cut -f1) on disk)"
echo "packages: $(wc -l < "$out/$name.packages")"
