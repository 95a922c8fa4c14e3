#!/usr/bin/env bash
# Trains models/clinic.tar.gz only when its inputs changed since the last training, judged
# by content (not timestamps, which a fresh clone or an edit during training would fool).
set -euo pipefail
cd "$(dirname "$0")/.."
model=models/clinic.tar.gz
stamp=models/clinic.inputs.sha256
inputs=$( { ls config.yml domain.yml; find data components -type f \( -name '*.yml' -o -name '*.py' \); \
           echo clinic/domain/crisis_phrases.py; } | sort)
# shellcheck disable=SC2086
digest=$(cat $inputs | sha256sum | cut -d' ' -f1)
if [ -f "$model" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  echo "Model is up to date ($model)."
  exit 0
fi
mkdir -p models
.venv/bin/rasa train --fixed-model-name clinic --out models
echo "$digest" > "$stamp"
