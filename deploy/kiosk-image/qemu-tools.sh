# shellcheck shell=bash
# Sourced by boot-test.sh and ab-boot-test.sh: install what booting the image in
# QEMU needs on this (Debian) host, once: QEMU, the UEFI firmware (OVMF), and
# mtools/dosfstools to read and write the boot partition and "USB sticks"
# without loop devices or mounts.
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
