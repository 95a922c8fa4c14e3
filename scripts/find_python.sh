#!/usr/bin/env bash
# Prints the path of a Python 3.10 that runs (Rasa 3.6 supports 3.8-3.10), or explains
# what to install and fails. Order: $PYTHON, python3.10 on PATH, pyenv's 3.10.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.10)
for p in "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
for p in "${candidates[@]}"; do
  if version=$("$p" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
     && [ "$version" = "3.10" ]; then
    command -v "$p"
    exit 0
  fi
done
echo "No working Python 3.10 found. Rasa 3.6 needs Python 3.10 (3.11+ is not supported)." >&2
echo "Install it (e.g. 'pyenv install 3.10' or your OS package python3.10 with venv)," >&2
echo "or point PYTHON at one: make PYTHON=/path/to/python3.10 run" >&2
exit 1
