#!/usr/bin/env bash
# What `make run` opens. Until the workbench window exists (issue 3), this runs
# what does exist: the `loupe` command line on the default database — the kinds
# this build ships and the runs recorded so far.
set -euo pipefail
build=${1:-build}
loupe="$build/app/cli/loupe"
echo "== loupe kinds"
"$loupe" kinds
echo
echo "== loupe list  (database: ${LOUPE_DB:-~/.local/share/loupe/loupe.sqlite})"
"$loupe" list
echo
echo "The workbench window and its panels are not built yet; the command line is at $loupe (try --help)."
