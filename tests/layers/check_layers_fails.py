#!/usr/bin/env python3
"""Proves scripts/check-layers.py can fail: builds a small fake tree (not a
git checkout) holding one forbidden include per rule and several allowed
ones, runs the checker on it and expects exit status 1 with exactly the
expected messages — and exit status 0 once the forbidden lines are gone.

Usage: check_layers_fails.py PATH/TO/check-layers.py
"""

import os
import subprocess
import sys
import tempfile

# path -> lines; a line ending in "  // BAD" must be reported, nothing else may be.
TREE = {
    "engines/core/Bad.h": [
        "#pragma once",
        "#include <vector>",
        '#include "engines/core/Array.h"',
        "#include <QString>  // BAD",
        "#include <vtkPoints.h>  // BAD",
        "#include <imgui.h>  // BAD",
        "#include <sqlite3.h>  // BAD",
        '#include "experiments/Store.h"  // BAD',
        '#include "viewers/ChartView.h"  // BAD',
        '#include "panels/Panel.h"  // BAD',
        '#include "app/cli/Cli.h"  // BAD',
        '// #include "experiments/Records.h" (a comment, not an include)',
        "/*",
        "#include <QWidget>",
        "*/",
    ],
    "engines/rgbd/Kernel.cu": ['#include "engines/rgbd/PointCloud.h"', "#  include <QtCore/QObject>  // BAD"],
    "experiments/Fine.cpp": ['#include "engines/rgbd/PointCloudIO.h"', "#include <sqlite3.h>"],
    "experiments/Bad.cpp": [
        "#include <QObject>  // BAD",
        "#include <vtkSmartPointer.h>  // BAD",
        '#include "imgui_impl_opengl3.h"  // BAD',
        '#include "viewers/VtkView.h"  // BAD',
        '#include "panels/rgbd/RgbdPanel.h"  // BAD',
        '#include "app/workbench/MainWindow.h"  // BAD',
    ],
    "viewers/Chart.cpp": [
        "#include <QWidget>",
        "#include <vtkPoints.h>",
        '#include "viewers/ColorMap.h"',
        '#include "engines/core/Array.h"  // BAD',
        '#include "experiments/Records.h"  // BAD',
        '#include "panels/Controls.h"  // BAD',
        '#include "app/cli/Cli.h"  // BAD',
    ],
    "panels/Shared.cpp": [
        '#include "panels/rgbd/RgbdPanel.h"',
        '#include "engines/core/DType.h"',
        '#include "experiments/Store.h"',
        '#include "viewers/ChartView.h"',
        '#include "engines/specdec/MedusaTree.h"  // BAD',
    ],
    "panels/rgbd/RgbdPanel.cpp": [
        '#include "panels/rgbd/RgbdPanel.h"',
        '#include "panels/Panel.h"',
        '#include "engines/core/Array.h"',
        '#include "engines/rgbd/PointCloudIO.h"  // BAD',
        '#include "panels/ssm/SsmPanel.h"  // BAD',
        '#include "app/workbench/MainWindow.h"  // BAD',
    ],
    "app/workbench/Main.cpp": [
        '#include "engines/rgbd/PointCloudIO.h"  // BAD',
        "#include <sqlite3.h>  // BAD",
        '#include "engines/core/Array.h"',
        "#include <QWidget>",
    ],
    "engines/core/Notes.txt": ["#include <QString>"],  # not a source file
}


def write(root, tree):
    for path, lines in tree.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def main(argv):
    checker = argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as root:
        write(root, TREE)
        r = subprocess.run([sys.executable, checker, root], capture_output=True, text=True)
        expected = sorted(
            f"{path}:{n}:"
            for path, lines in TREE.items()
            if path.endswith((".h", ".cpp", ".cu"))
            for n, line in enumerate(lines, 1)
            if line.endswith("// BAD")
        )
        got = sorted(line.split(" ", 1)[0] for line in r.stdout.splitlines())
        print(r.stdout, end="")
        if r.returncode != 1:
            failures.append(f"exit status {r.returncode}, expected 1")
        if got != expected:
            failures.append(f"reported {got}\nexpected {expected}")
        wanted = [
            'engines/core/Bad.h:4: engines must not include <QString> (no Qt)',
            'panels/rgbd/RgbdPanel.cpp:5: panels/rgbd must not include "panels/ssm/SsmPanel.h" '
            "(a topic panel includes no other topic's panel)",
            'panels/rgbd/RgbdPanel.cpp:4: panels must not include "engines/rgbd/PointCloudIO.h" '
            "(panels use no topic engine, only engines/core; call experiments/ instead)",
        ]
        for line in wanted:
            if line not in r.stdout.splitlines():
                failures.append(f"missing message: {line}")

        # The same tree without its forbidden lines passes.
        clean = {p: [l for l in lines if not l.endswith("// BAD")] for p, lines in TREE.items()}
        with tempfile.TemporaryDirectory() as root2:
            write(root2, clean)
            r2 = subprocess.run([sys.executable, checker, root2], capture_output=True, text=True)
            if r2.returncode != 0 or "must not include" in r2.stdout:
                failures.append(f"clean tree: exit {r2.returncode}, output:\n{r2.stdout}{r2.stderr}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
