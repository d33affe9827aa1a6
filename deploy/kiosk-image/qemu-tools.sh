# shellcheck shell=bash
# Sourced by boot-test.sh and ab-boot-test.sh, which boot the image in QEMU.

# need_qemu_tools: install what that needs on this (Debian) host, once: QEMU,
# the UEFI firmware (OVMF), and mtools/dosfstools to read and write the boot
# partition and "USB sticks" without loop devices or mounts.
need_qemu_tools() {
    local need=()
    command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
    [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] && [ -f /usr/share/OVMF/OVMF_VARS_4M.fd ] || need+=(ovmf)
    command -v mcopy >/dev/null || need+=(mtools)
    command -v mkfs.vfat >/dev/null || need+=(dosfstools)
    command -v zstd >/dev/null || need+=(zstd)
    if [ ${#need[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
}

# newest_image OUT: the newest image build.sh wrote into OUT (.img or .img.zst), or nothing.
newest_image() {
    find "$1" -maxdepth 1 -name 'nuantu-kiosk-*-amd64.img*' ! -name '*.sha256' -printf '%T@ %p\n' \
        | sort -n | tail -n 1 | cut -d' ' -f2-
}

# unpack_image IMAGE DISK: a writable disk file DISK from the image (unpacked if .zst).
unpack_image() {
    case "$1" in
        *.zst) zstd -q -d -f "$1" -o "$2" ;;
        *) cp --sparse=always "$1" "$2" ;;
    esac
}
