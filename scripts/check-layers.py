#!/usr/bin/env python3
"""Fails when a source file includes across a forbidden layer boundary.

Usage: check-layers.py [ROOT]      (ROOT: the repository; default: the current directory)

Scans every .h/.cpp/.cu file under engines/, experiments/, viewers/, panels/
and app/ (in a git checkout: the tracked files and the untracked ones git
does not ignore; elsewhere: every file) for #include lines and prints one
line per violation:

    path:line: <layer> must not include <header> (<rule>)

Exit status: 0 when there is none, 1 when there is any, 2 on a usage error.

The layers, bottom to top (docs/ARCHITECTURE.md):
  engines/      science in plain C++: no Qt, VTK, ImGui or SQLite, nothing above it
  experiments/  recipes, kinds, store: no GUI library, no viewers/panels/app
  viewers/      Qt widgets that know no topic: no engines/experiments/panels/app
  panels/       one folder per topic: engines/core only (arrays, dtypes), no
                topic engine, no app/, and a topic panel includes no other
                topic's panel (panels/ top-level files are shared by all)
  app/          no SQLite header (the store is experiments/) and no topic engine

Python 3 standard library only.
"""

import os
import re
import subprocess
import sys

LAYERS = ("engines", "experiments", "viewers", "panels", "app")
EXTENSIONS = (".h", ".cpp", ".cu")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def is_qt(header):
    base = header.split("/")[0]
    return bool(re.match(r"Q[A-Za-z]", base)) or base.lower().startswith("qt")


def is_vtk(header):
    return header.split("/")[0].lower().startswith("vtk")


def is_imgui(header):
    return any(part.lower().startswith("imgui") for part in header.split("/"))


def is_sqlite(header):
    return header == "sqlite3.h"


def under(prefix):
    return lambda header: header.startswith(prefix)


GUI = [
    (is_qt, "no Qt"),
    (is_vtk, "no VTK"),
    (is_imgui, "no ImGui"),
]

# layer -> [(predicate(header), rule)], checked in order; the first match reports.
RULES = {
    "engines": GUI
    + [
        (is_sqlite, "no SQLite: the store is experiments/"),
        (under("experiments/"), "engines depend on nothing above them"),
        (under("viewers/"), "engines depend on nothing above them"),
        (under("panels/"), "engines depend on nothing above them"),
        (under("app/"), "engines depend on nothing above them"),
    ],
    "experiments": GUI
    + [
        (under("viewers/"), "experiments depend on no GUI layer"),
        (under("panels/"), "experiments depend on no GUI layer"),
        (under("app/"), "experiments depend on nothing above them"),
    ],
    "viewers": [
        (under("engines/"), "viewers know no engine: panels hand them plain data"),
        (under("experiments/"), "viewers know no experiment: panels hand them plain data"),
        (under("panels/"), "viewers sit below the panels"),
        (under("app/"), "viewers sit below the app"),
    ],
    "panels": [
        (
            lambda h: h.startswith("engines/") and not h.startswith("engines/core/"),
            "panels use no topic engine, only engines/core; call experiments/ instead",
        ),
        (under("app/"), "panels sit below the app"),
        (is_sqlite, "panels reach the database through experiments/Store.h"),
    ],
    "app": [
        (is_sqlite, "the app reaches the database through experiments/Store.h"),
        (
            lambda h: h.startswith("engines/") and not h.startswith("engines/core/"),
            "the app uses no topic engine: kinds in experiments/ run them",
        ),
    ],
}


def topic_panel(path):
    """'rgbd' for panels/rgbd/RgbdPanel.cpp; None for panels/Panel.h."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "panels" else None


def violations(path, text):
    """(line, layer, header as written, rule) for each forbidden include in one file."""
    layer = path.split("/")[0]
    own_topic = topic_panel(path)
    found = []
    in_block_comment = False
    for number, line in enumerate(text.splitlines(), 1):
        if in_block_comment:
            end = line.find("*/")
            if end < 0:
                continue
            line = line[end + 2 :]
            in_block_comment = False
        start = line.find("/*")
        if start >= 0 and line.find("*/", start) < 0 and not line[:start].lstrip().startswith("#"):
            in_block_comment = True
            line = line[:start]
        m = INCLUDE.match(line)
        if not m:
            continue
        header = m.group(2).strip()
        written = m.group(1) + header + (">" if m.group(1) == "<" else '"')
        for matches, rule in RULES.get(layer, []):
            if matches(header):
                found.append((number, layer, written, rule))
                break
        else:
            other = topic_panel(header) if header.startswith("panels/") else None
            if own_topic and other and other != own_topic:
                found.append(
                    (number, "panels/" + own_topic, written, "a topic panel includes no other topic's panel")
                )
    return found


def source_files(root):
    """Repository-relative paths, sorted."""
    paths = None
    try:
        top = subprocess.run(
            ["git", "-C", root, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if os.path.realpath(top) == os.path.realpath(root):
            out = subprocess.run(
                ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *LAYERS],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            paths = {p for p in out.split("\0") if p}
    except (OSError, subprocess.CalledProcessError):
        paths = None
    if paths is None:  # not a git checkout (or not its top): every file
        paths = set()
        for layer in LAYERS:
            for directory, _, files in os.walk(os.path.join(root, layer)):
                for name in files:
                    paths.add(os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/"))
    return sorted(p for p in paths if p.endswith(EXTENSIONS) and os.path.isfile(os.path.join(root, p)))


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else "."
    if not os.path.isdir(root):
        print(f"check-layers: {root}: not a directory", file=sys.stderr)
        return 2
    files = source_files(root)
    count = 0
    for path in files:
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for number, layer, header, rule in violations(path, text):
            print(f"{path}:{number}: {layer} must not include {header} ({rule})")
            count += 1
    if count:
        print(f"check-layers: {count} forbidden include(s) in {len(files)} files", file=sys.stderr)
        return 1
    print(f"check-layers: {len(files)} files, no forbidden include")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
