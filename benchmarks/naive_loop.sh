#!/usr/bin/env bash
# The naive alternative the batch is compared with: a shell loop starting one `papermill` process
# (and so one kernel, one import of the scientific stack) per notebook, with no reuse at all: the
# dataset cache is removed before every notebook, so each one reads and checks the answers again.
#
# usage: naive_loop.sh PROJECT_ROOT "LANGS" "NOTEBOOKS" ISO3...
#   e.g. naive_loop.sh /tmp/copy "fr en" "01_sources.ipynb 02_policy_cycle.ipynb" SEN NER
# MPANALYSIS_ROOT must name PROJECT_ROOT and `papermill` must be on PATH.
set -euo pipefail
root="$1"; langs="$2"; notebooks="$3"; shift 3
cd "$root/notebooks"
for country in "$@"; do
  for lang in $langs; do
    work="$root/outputs/$country/work/$lang"
    mkdir -p "$work/executed"
    for notebook in $notebooks; do
      rm -rf "$root/outputs/$country/.cache"
      papermill --no-progress-bar --kernel python3 --cwd "$root/notebooks" \
        "$notebook" "$work/executed/$notebook" \
        -p country "$country" -p language "$lang" -p output_dir "$work"
    done
  done
done
