#!/usr/bin/env bash
# Prints the path of a Python interpreter >= 3.12: $PYTHON if set, then python3.13/python3.12/python3
# on PATH, then pyenv's installed versions. Exits 1 with a message when none is found.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
  [ -n "$cand" ] || continue
  p=$(command -v "$cand" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
root=${PYENV_ROOT:-$HOME/.pyenv}
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "no Python >= 3.12 found (set PYTHON=/path/to/python3.12)" >&2
exit 1
