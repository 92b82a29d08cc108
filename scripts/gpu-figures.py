#!/usr/bin/env python3
"""Condenses a GPU check's output folder (gpu-bundle/run.sh) into the
figures an issue's note reports: figures.json and a Markdown figures.md.

- attention: ms, TFLOP/s, torch SDPA's best backend and TFLOP/s, ours as %
  of SDPA, per N, d, causal, dtype;
- selective scan, range statistics, depth → cloud: GB/s and % of the device
  copy (plus the per-frame times for depth → cloud);
- test_cuda: passed, failed and skipped tests, with the failures' names.

Usage: gpu-figures.py OUT_DIR  (standard library only: it runs with
whatever python3 the GPU machine has). Exit status 4 when a benchmark
stopped on an error, else 0.
"""
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def args_of(name):
    """BM_X/1024/64/0/1/iterations:1/manual_time → ("BM_X", [1024, 64, 0, 1])."""
    parts = name.split("/")
    values = []
    for p in parts[1:]:
        if not p.lstrip("-").isdigit():
            break
        values.append(int(p))
    return parts[0], values


def tests_summary(report):
    summary = {"passed": 0, "failed": 0, "skipped": 0, "failures": []}
    if not report:
        return summary
    for suite in report.get("testsuites", []):
        for test in suite.get("testsuite", []):
            name = suite["name"] + "." + test["name"]
            if test.get("failures"):
                summary["failed"] += 1
                summary["failures"].append(name)
            elif test.get("result") == "SKIPPED":
                summary["skipped"] += 1
            else:
                summary["passed"] += 1
    return summary


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    device = load(os.path.join(out, "device.json")) or {}
    bench = load(os.path.join(out, "bench_cuda.json")) or {}
    figures = {"device": device.get("devices"), "tests": tests_summary(load(os.path.join(out, "test_cuda.json"))),
               "attention": [], "selective_scan": [], "range_counts": [], "depth_to_cloud": [], "errors": []}
    for b in bench.get("benchmarks", []):
        kind, args = args_of(b["name"])
        if b.get("error_occurred"):
            figures["errors"].append({"benchmark": b["name"], "error": b.get("error_message", "")})
            continue
        if kind == "BM_FlashAttentionCuda":
            label = b.get("label", "")
            figures["attention"].append({
                "N": args[0], "d": args[1], "causal": bool(args[2]), "dtype": "f16" if args[3] else "bf16",
                "ms": b.get("real_time"), "TFLOPs": b.get("TFLOPs"), "sdpa_TFLOPs": b.get("sdpa_TFLOPs"),
                "sdpa_backend": label.split("sdpa ")[-1] if "sdpa " in label else None,
                "pct_of_sdpa": b.get("pct_of_sdpa")})
        elif kind == "BM_SelectiveScanCuda":
            figures["selective_scan"].append({k: b.get(k) for k in ("real_time", "GBs", "copy_GBs", "pct_of_copy")})
        elif kind == "BM_RangeCountsCuda":
            figures["range_counts"].append(dict({"format": b.get("label")},
                                                **{k: b.get(k) for k in ("real_time", "GBs_read", "copy_GBs", "pct_of_copy")}))
        elif kind == "BM_DepthToCloudCuda":
            figures["depth_to_cloud"].append(dict({"frame": b.get("label")}, **{
                k: b.get(k) for k in ("kernel_ms", "GBs", "copy_GBs", "pct_of_copy", "call_ms", "cpu_ms", "cpu_over_call")}))
    with open(os.path.join(out, "figures.json"), "w") as f:
        json.dump(figures, f, indent=1)

    def num(x, digits=1):
        return "–" if x is None else f"{x:.{digits}f}"

    t = figures["tests"]
    lines = [f"device: {', '.join(d['name'] + ' sm_' + d['sm'] for d in figures['device'] or []) or 'none'}",
             f"test_cuda: {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped"
             + (f" (failed: {', '.join(t['failures'])})" if t["failures"] else ""), ""]
    if figures["attention"]:
        lines += ["| N | d | causal | dtype | ms | TFLOP/s | SDPA TFLOP/s (backend) | % of SDPA |", "|---|---|---|---|---|---|---|---|"]
        for a in figures["attention"]:
            lines.append(f"| {a['N']} | {a['d']} | {'yes' if a['causal'] else 'no'} | {a['dtype']} | {num(a['ms'], 3)} | "
                         f"{num(a['TFLOPs'])} | {num(a['sdpa_TFLOPs'])} ({a['sdpa_backend'] or '–'}) | {num(a['pct_of_sdpa'])} |")
        lines.append("")
    rows = [("selective scan", s.get("GBs"), s.get("copy_GBs"), s.get("pct_of_copy")) for s in figures["selective_scan"]]
    rows += [("range counts " + (r["format"] or ""), r.get("GBs_read"), r.get("copy_GBs"), r.get("pct_of_copy"))
             for r in figures["range_counts"]]
    rows += [("depth → cloud " + (r["frame"] or "") + " (kernels)", r.get("GBs"), r.get("copy_GBs"), r.get("pct_of_copy"))
             for r in figures["depth_to_cloud"]]
    if rows:
        lines += ["| kernel | GB/s | copy GB/s | % of copy |", "|---|---|---|---|"]
        lines += [f"| {n} | {num(g)} | {num(c)} | {num(p)} |" for n, g, c, p in rows]
        lines.append("")
    for r in figures["depth_to_cloud"]:
        lines.append(f"depth → cloud {r['frame']}: kernels {num(r.get('kernel_ms'), 3)} ms, whole call with transfers "
                     f"{num(r.get('call_ms'), 3)} ms, CPU fast path {num(r.get('cpu_ms'), 3)} ms per frame")
    for e in figures["errors"]:
        lines.append(f"error: {e['benchmark']}: {e['error']}")
    with open(os.path.join(out, "figures.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # A benchmark that stopped on an error (a CUDA error, or no device) is a
    # failed check: exit 4 so that run.sh says so.
    return 4 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
