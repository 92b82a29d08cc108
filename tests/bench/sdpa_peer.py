"""torch's scaled_dot_product_attention on the GPU: the peer bench_cuda
(CudaBench.cpp) compares its FlashAttention kernel with, same shapes and
dtypes. Prints {"N,d,causal,dtype": median ms of 20 runs} as JSON, or {}
when torch has no CUDA device or no scaled_dot_product_attention (torch < 2).
"""
import json

import torch


def main():
    out = {}
    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    if sdpa is None or not torch.cuda.is_available():
        print(json.dumps(out))
        return
    configs = [(n, d, c, "bf16") for n in (1024, 2048, 4096, 8192, 16384) for d in (64, 128) for c in (0, 1)]
    configs.append((4096, 128, 0, "f16"))
    for n, d, causal, name in configs:
        dtype = torch.bfloat16 if name == "bf16" else torch.float16
        heads = (16384 // n) * (2048 // d)
        q, k, v = (torch.randn(1, heads, n, d, device="cuda", dtype=dtype) for _ in range(3))
        sdpa(q, k, v, is_causal=bool(causal))
        times = []
        for _ in range(20):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            sdpa(q, k, v, is_causal=bool(causal))
            stop.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(stop))
        times.sort()
        out[f"{n},{d},{causal},{name}"] = times[len(times) // 2]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
