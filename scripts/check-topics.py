#!/usr/bin/env python3
"""Keeps docs/ARCHITECTURE.md's "Adding a topic" checklist honest: every topic
named in cmake/LoupeTopics.cmake (LOUPE_TOPICS) has each part the checklist
asks for. Prints one line per missing part and exits 1, else 0.

Usage: check-topics.py [ROOT]   (default: the repository this script is in)
Python 3 standard library only.
"""
import os
import re
import sys


def topics(root):
    text = open(os.path.join(root, "cmake", "LoupeTopics.cmake")).read()
    m = re.search(r"set\(LOUPE_TOPICS([^)]*)\)", text)
    if not m:
        raise SystemExit("check-topics: cmake/LoupeTopics.cmake sets no LOUPE_TOPICS")
    return m.group(1).split()


def missing_parts(root, topic):
    name = topic[0].upper() + topic[1:]
    has = lambda path: os.path.exists(os.path.join(root, path))
    contains = lambda path, text: has(path) and text in open(os.path.join(root, path)).read()
    checks = [
        (has(f"engines/{topic}/CMakeLists.txt"), f"engines/{topic}/CMakeLists.txt (loupe_engines_{topic})"),
        (has(f"experiments/kinds/{name}Kinds.h") and has(f"experiments/kinds/{name}Kinds.cpp"),
         f"experiments/kinds/{name}Kinds.h/.cpp"),
        (has(f"experiments/kinds/{name}Records.h"), f"experiments/kinds/{name}Records.h (the record contract)"),
        (contains("experiments/BuiltinKinds.cpp", f"register{name}Kinds("),
         f"register{name}Kinds() called in experiments/BuiltinKinds.cpp"),
        (any(f.startswith(f"{topic}-") and f.endswith(".json")
             for f in os.listdir(os.path.join(root, "experiments", "recipes"))),
         f"a recipe experiments/recipes/{topic}-*.json"),
        (has(f"panels/{topic}/{name}Panel.h") and has(f"panels/{topic}/{name}Panel.cpp"),
         f"panels/{topic}/{name}Panel.h/.cpp"),
        (contains(f"panels/{topic}/{name}Panel.h", "public RunPanel"), f"{name}Panel derives from RunPanel"),
        (contains("panels/PanelRegistry.cpp", f"new {name}Panel("), f"{name}Panel registered in panels/PanelRegistry.cpp"),
        (os.path.isdir(os.path.join(root, "tests", "engines", topic)), f"tests/engines/{topic}/ (engine tests)"),
        (has(f"tests/experiments/{name}KindTest.cpp"), f"tests/experiments/{name}KindTest.cpp (the kind end to end)"),
        (has(f"tests/app/{name}PanelTest.cpp"), f"tests/app/{name}PanelTest.cpp (the GUI test)"),
        (has(f"tests/bench/{name}Bench.cpp"), f"tests/bench/{name}Bench.cpp (ours against a peer)"),
    ]
    return [what for ok, what in checks if not ok]


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = [(t, p) for t in topics(root) for p in missing_parts(root, t)]
    for topic, part in problems:
        print(f"topic {topic}: missing {part}")
    print(f"check-topics: {len(topics(root))} topics, {len(problems)} missing part(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
