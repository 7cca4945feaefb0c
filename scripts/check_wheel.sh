#!/usr/bin/env bash
# Build the wheel, install it (not editable) into a fresh venv outside the checkout, and run
# `tracker process` on a copy of the sample archive with it: proves that everything the program
# reads at run time (prompts, default register, prices, Datasette metadata) is in the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$WORK/dist" .
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check torch==2.13.0
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt \
  "$WORK"/dist/tracker-*.whl
cp -r archive "$WORK/archive"
cd "$WORK"  # not the checkout: only the installed wheel can be imported from here
export TRACKER_HOME="$WORK/home" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
"$WORK/venv/bin/tracker" --version
"$WORK/venv/bin/tracker" process archive --json > report.json
"$WORK/venv/bin/python" - "$ROOT" <<'PY'
import json, sys
from pathlib import Path
import agent, prompts
report = json.loads(Path("report.json").read_text())
root = Path(sys.argv[1]).resolve()
for module in (agent, prompts):
    where = Path(module.__file__).resolve()
    assert root not in where.parents, f"{module.__name__} imported from the checkout: {where}"
assert report["processed"] == report["sources_seen"] > 0 and not report["failed"], report
print(f"wheel install: {report['processed']} sources processed, "
      f"{report['claims_accepted']} claims accepted, from {Path(agent.__file__).parent}")
PY
"$WORK/venv/bin/tracker" beliefs > /dev/null
"$WORK/venv/bin/tracker" replay --check
