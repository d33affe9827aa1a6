#!/usr/bin/python3
"""Nightly copy of the kiosk's SQLite database to the data partition.

Run by nuantu-backup.timer as the app's user while the app keeps serving:
SQLite's online backup API copies a consistent snapshot even with the WAL in
use (copying the file with cp could catch a half-written page). The copy is
checked with ``PRAGMA integrity_check``, fsynced and renamed into place, so
a pulled plug leaves either the previous set of backups or the new one; the
newest ``--keep`` copies are kept. A backup never fills the partition: if
the space left after it would fall under ``--reserve-mb`` it is skipped with
an error, because a full disk would stop the kiosk itself.

Usage: backup_db.py [--database FILE] [--into DIR] [--keep N]
Only the standard library is used: this runs with Debian's python3.
"""

import argparse
import datetime
import logging
import os
import shutil
import sqlite3
import sys
from pathlib import Path

log = logging.getLogger("nuantu-backup")

DATABASE = Path("/var/lib/nuantu/instance/kiosk.sqlite3")
BACKUPS = Path("/var/lib/nuantu/backups")
PREFIX = "kiosk-"
SUFFIX = ".sqlite3"


class BackupError(Exception):
    pass


def backup(database, into, keep=14, reserve_bytes=64 * 1024 * 1024, now=None):
    """Copy database into ``into/kiosk-YYYYmmdd-HHMMSS.sqlite3``; return the new path."""
    database, into = Path(database), Path(into)
    if not database.exists():
        raise BackupError(f"no database at {database}")
    into.mkdir(parents=True, exist_ok=True)
    needed = database.stat().st_size + reserve_bytes
    if shutil.disk_usage(into).free < needed:
        prune(into, max(keep - 1, 1))
    if shutil.disk_usage(into).free < needed:
        raise BackupError(f"not enough space in {into} for a {database.stat().st_size} byte copy")

    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = into / f"{PREFIX}{stamp}{SUFFIX}"
    partial = into / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        copy.close()
        source.close()
    try:
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, target)
        fd = os.open(into, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        partial.unlink(missing_ok=True)
    prune(into, keep)
    return target


def backups_in(into):
    """Existing backups, oldest first (their names sort by time)."""
    return sorted(p for p in Path(into).glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(into, keep):
    """Delete all but the newest ``keep`` backups; return the deleted paths."""
    old = backups_in(into)[:-keep] if keep > 0 else backups_in(into)
    for path in old:
        path.unlink()
    return old


def main(argv=None):
    parser = argparse.ArgumentParser(description="Back up the kiosk's SQLite database (online, WAL-safe).")
    parser.add_argument("--database", default=str(DATABASE))
    parser.add_argument("--into", default=str(BACKUPS))
    parser.add_argument("--keep", type=int, default=14, help="how many copies to keep (default %(default)s)")
    parser.add_argument("--reserve-mb", type=int, default=64, help="free space to leave (default %(default)s MB)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        target = backup(args.database, args.into, args.keep, args.reserve_mb * 1024 * 1024)
    except (BackupError, sqlite3.Error, OSError) as exc:
        log.error("backup failed: %s", exc)
        return 1
    log.info("backed up %s to %s (%d bytes)", args.database, target, target.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
