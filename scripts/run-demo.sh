#!/usr/bin/env bash
# What `make run` opens: the workbench on the built-in demo database. With no
# display, the workbench runs the demo headless (under its own Xvfb) and
# prints where the demo report went.
set -euo pipefail
build=${1:-build}
workbench="$build/app/workbench/loupe-workbench"
if [[ ! -x "$workbench" ]]; then
  echo "The workbench was not built (Qt 6 / VTK / ImGui missing); the command line is at $build/app/cli/loupe."
  exec "$build/app/cli/loupe" kinds
fi
exec "$workbench" --demo
