"""Loading the kiosk image's helper scripts (deploy/kiosk-image/) as modules."""

import importlib.util
from pathlib import Path

IMAGE = Path(__file__).resolve().parents[1] / "deploy" / "kiosk-image"
HELPERS = IMAGE / "overlay" / "usr" / "local" / "lib" / "nuantu"


def load(path, name):
    """Import a script that is not on sys.path (it runs as a file on the kiosk)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


provision = load(HELPERS / "provision.py", "nuantu_image_provision")
backup_db = load(HELPERS / "backup_db.py", "nuantu_image_backup_db")
lint_udev = load(IMAGE / "check" / "lint_udev.py", "nuantu_image_lint_udev")
check_policies = load(IMAGE / "check" / "check_policies.py", "nuantu_image_check_policies")
screen = load(IMAGE / "check" / "screen.py", "nuantu_image_screen")
os_update = load(HELPERS / "os_update.py", "nuantu_image_os_update")
