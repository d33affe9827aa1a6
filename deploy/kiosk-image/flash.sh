#!/bin/bash
# Write a kiosk image to a disk (the kiosk's SSD/eMMC/SD card in a reader or
# adapter on a technician's Linux machine).
#
#   flash.sh IMAGE DEVICE              whole disk: boot, root and an empty data partition
#   flash.sh --keep-data IMAGE DEVICE  update: rewrite boot + root slot A only, keep
#                                      the data partition (database, settings, backups)
#
# IMAGE is nuantu-kiosk-*.img or .img.zst; DEVICE a whole disk such as /dev/sdb.
# --keep-data needs the same partition layout on both (every image from this
# recipe has it: boot 256 MiB, root slots A and B 3 GiB each, then data).
# Kiosks updated in place use signed OS bundles instead (README, "Update").
set -euo pipefail

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }

keep_data=no
yes=no
while [ $# -gt 0 ]; do
    case "$1" in
        --keep-data) keep_data=yes; shift ;;
        --yes) yes=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "flash.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || { usage >&2; exit 2; }
image=$1
device=$2

[ -f "$image" ] || { echo "flash.sh: no image $image" >&2; exit 1; }
[ -b "$device" ] || { echo "flash.sh: $device is not a block device" >&2; exit 1; }
[ "$(lsblk --nodeps --noheadings --output TYPE "$device")" = disk ] || { echo "flash.sh: $device is not a whole disk" >&2; exit 1; }
if lsblk --noheadings --output MOUNTPOINT "$device" | grep -q .; then
    echo "flash.sh: something on $device is mounted; unmount it first:" >&2
    lsblk --output NAME,SIZE,LABEL,MOUNTPOINT "$device" >&2
    exit 1
fi

lsblk --output NAME,SIZE,MODEL,LABEL "$device"
if [ "$yes" = no ]; then
    read -r -p "Overwrite $( [ "$keep_data" = yes ] && echo "boot and root partitions of" ) $device? Type its name to confirm: " answer
    [ "$answer" = "$device" ] || { echo "not confirmed; nothing written"; exit 1; }
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ "$keep_data" = no ]; then
    case "$image" in
        *.zst) zstd -q -d -c "$image" ;;
        *) cat "$image" ;;
    esac | dd of="$device" bs=4M iflag=fullblock oflag=direct conv=fsync status=progress
    # Move the backup GPT to the end of this (bigger) disk; the data partition
    # grows into the free space at first boot.
    sfdisk --quiet --relocate gpt-bak-std "$device"
    echo "written; the data partition grows to fill $device at first boot"
    exit 0
fi

raw=$image
if [[ "$image" == *.zst ]]; then
    raw=$scratch/image.img
    zstd -q -d "$image" -o "$raw"
fi
layout() {  # layout DISK: "start size name" of partitions 1-4, in sectors
    sfdisk --dump "$1" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*name="\([^"]*\)".*/\1 \2 \3/p' | head -n 4
}
layout "$raw" > "$scratch/image.layout"
layout "$device" > "$scratch/device.layout"
# Boot and both root slots must match exactly, data must start where it did
# (a disk from before A/B roots, with data as partition 3, does not match).
if ! diff <(head -n 3 "$scratch/image.layout") <(head -n 3 "$scratch/device.layout") >/dev/null \
    || [ "$(sed -n '4p' "$scratch/image.layout" | cut -d' ' -f1,3)" != "$(sed -n '4p' "$scratch/device.layout" | cut -d' ' -f1,3)" ]; then
    echo "flash.sh: $device does not have this image's partition layout; --keep-data is impossible" >&2
    paste "$scratch/image.layout" "$scratch/device.layout" >&2
    exit 1
fi
while read -r start size name; do
    # The image's slot B is empty; the disk's (an older OS, no loader entry
    # on the new boot partition) is left as it is.
    case "$name" in nuantu-data|nuantu-root-b) continue ;; esac
    echo "writing $name ($((size / 2048)) MiB)"
    dd if="$raw" of="$device" bs=4M skip=$((start * 512)) seek=$((start * 512)) count=$((size * 512)) \
        iflag=skip_bytes,count_bytes,fullblock oflag=seek_bytes,direct conv=fsync,notrunc status=none
done < "$scratch/image.layout"
echo "boot and root slot A updated; data partition kept"
