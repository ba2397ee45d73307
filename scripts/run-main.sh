#!/usr/bin/env bash
# The main job: the flagship story, ann_vs_darren, with all its variants, end to end.
# Installs what is missing, builds, runs, and prints the story, its figures and its lesson.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
./build/tools/tenure run scenarios/ann_vs_darren.yaml --all-variants --out results/ann_vs_darren "$@"
