#!/bin/sh
# CI smoke run: every scenario at 2% of its row counts, once, on in-memory SQLite.
# Fails (non-zero) on a wrong answer or a peer error; sqlweave gaps show as "n/a (...)".
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv-bench/bin/python}"
[ -x "$PY" ] || PY=python3
exec "$PY" benchmarks/run.py --db sqlite --scale 0.02 --repeat 1 "$@"
