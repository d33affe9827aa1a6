#!/bin/bash
# Regenerate the lock files from pyproject.toml (make lock): run after
# changing a dependency, commit the result with the change.
#   kiosk.lock  the app's run-time dependencies, pinned with hashes: what the
#               kiosk image installs (pip --require-hashes)
#   test.lock   everything `make test` installs (extras test, central,
#               postgres), pinned; used as pip constraints so a dependency
#               added to pyproject.toml still installs before the next lock
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
compile=${PIP_COMPILE:-$repo/.venv/bin/pip-compile}
# pip-compile reads the project's metadata only: work on a copy of the files
# it needs, never the tree (build/ may hold an image's root file system).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$repo/pyproject.toml" "$repo/setup.py" "$repo/README.md" "$scratch/"
mkdir "$scratch/kiosk" && touch "$scratch/kiosk/__init__.py"
common=(--quiet --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --no-header)
(cd "$scratch" && "$compile" "${common[@]}" --generate-hashes --output-file "$here/kiosk.lock" pyproject.toml)
(cd "$scratch" && "$compile" "${common[@]}" --extra test --output-file "$here/test.lock" pyproject.toml)
# The project itself is not a dependency of itself.
sed -i '/^nuantu-kiosk @ file:/d' "$here/kiosk.lock" "$here/test.lock"
echo "wrote $here/kiosk.lock and $here/test.lock"
