"""Printing starts whatever the home directory allows: the kiosk image's home is read-only."""

import os
import subprocess
import sys

PROBE = "import os, kiosk.printing.escpos_build; print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])"


def import_printing(**env):
    clean = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    return subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
                          timeout=60)


def test_an_unwritable_cache_folder_does_not_stop_printing_from_loading():
    done = import_printing(XDG_CACHE_HOME="/dev/null/cache")  # not a directory: mkdir fails
    assert done.returncode == 0, done.stderr
    folder = done.stdout.strip()
    assert os.path.isdir(folder) and "nuantu-escpos-" in folder
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"


def test_a_configured_pickle_folder_is_used_without_touching_the_cache(tmp_path):
    done = import_printing(XDG_CACHE_HOME="/dev/null/cache", ESCPOS_CAPABILITIES_PICKLE_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path)
