#!/usr/bin/env bash
# The python-escpos side of the wire benchmark (drivers/benches/wire.rs).
# Creates a virtualenv under target/ (not committed), installs python-escpos
# from PyPI, and runs baseline.py on the JSON spec $1, writing JSON to $2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${MOTCUA_BASELINE_VENV:-$root/target/escpos-baseline-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import escpos" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
fi
exec "$venv/bin/python" "$here/baseline.py" "$1" "$2"
