"""torch's scaled_dot_product_attention on the GPU: the peer bench_cuda
(CudaBench.cpp) compares its FlashAttention kernel with, on the same shapes
and dtypes. Each configuration is timed on each of torch's fused backends
that takes it — FlashAttention-2 ("flash") and cuDNN's ("cudnn") — and on
torch's own choice ("default"); bench_cuda compares with the fastest.

Prints {"N,d,causal,dtype": {"flash": ms, "cudnn": ms, "default": ms}} (the
median of 20 runs between CUDA events, a backend left out where it refuses
the configuration) as JSON, or {} when torch has no CUDA device or no
scaled_dot_product_attention (torch < 2).

Usage: sdpa_peer.py [OUT.json]  (stdout when no path is given)
"""
import contextlib
import json
import sys

import torch


def median_ms(fn, repeats=20):
    fn()
    times = []
    for _ in range(repeats):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def backends():
    """(name, context manager factory) for each fused backend this torch has."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError:
        return [("default", contextlib.nullcontext)]
    out = [("default", contextlib.nullcontext)]
    for name, attr in (("flash", "FLASH_ATTENTION"), ("cudnn", "CUDNN_ATTENTION")):
        if hasattr(SDPBackend, attr):
            out.append((name, lambda b=getattr(SDPBackend, attr): sdpa_kernel(b)))
    return out


def main():
    out = {}
    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    if sdpa is not None and torch.cuda.is_available():
        configs = [(n, d, c, t) for n in (1024, 2048, 4096, 8192, 16384) for d in (64, 128) for c in (0, 1)
                   for t in ("bf16", "f16")]
        for n, d, causal, name in configs:
            dtype = torch.bfloat16 if name == "bf16" else torch.float16
            # 16k tokens × 2048 model width per call, as bench_cuda and
            # FlashAttention's own benchmarks.
            heads = (16384 // n) * (2048 // d)
            q, k, v = (torch.randn(1, heads, n, d, device="cuda", dtype=dtype) for _ in range(3))
            times = {}
            for backend, context in backends():
                # The backend is chosen outside the timed region.
                try:
                    with context():
                        times[backend] = median_ms(lambda: sdpa(q, k, v, is_causal=bool(causal)))
                except RuntimeError:  # this backend does not take the configuration
                    torch.cuda.synchronize()
            out[f"{n},{d},{causal},{name}"] = times
            del q, k, v
    text = json.dumps(out)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
