#!/bin/sh
# Trains the draft heads shipped beside loupe-llama-2m — Medusa heads and
# MTP modules — with the workbench's own specdec.train_heads kind, from the
# recipes in resources/models/recipes/ (the heads are written beside the
# model, in f16), and records the runs — losses and held-out accuracy per
# head — in a database you name, default /tmp/loupe-heads.sqlite.
# Usage: scripts/train-heads.sh [BUILD_DIR] [DB]   (from the repository root)
set -eu
build=${1:-build}
db=${2:-/tmp/loupe-heads.sqlite}
for recipe in resources/models/recipes/train-medusa-heads.json resources/models/recipes/train-mtp-heads.json; do
  echo "== $recipe"
  "$build/app/cli/loupe" --db "$db" run "$recipe"
done
"$build/app/cli/loupe" --db "$db" list
