"""The benchmark's peer for the shipped Mamba: torch on the CPU, float32,
the same weights, the way Mamba's own reference code runs without its
CUDA kernels — the prompt through a causal depthwise conv1d and the
sequential `selective_scan_ref` loop (Gu & Dao's reference: deltaA =
exp(Δ·A), deltaB_u = Δ·B·u, x = deltaA·x + deltaB_u, y = x·C, one position
at a time), then decoding through the per-token step (a rolled conv window
and one state update), as Mamba.step does. Written here from the
definitions; mamba_ssm is not installed.

  mamba_peer.py FOLDER PROMPT_TOKENS DECODE_TOKENS THREADS
prints "prompt_seconds decode_seconds", each the best of three runs at one
thread and three at THREADS: with a model this small, torch's threads (and
OpenBLAS's spinning ones) can cost more than they bring, and a peer gets
its best setting.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_weights(folder):
    data = open(folder + "/model.safetensors", "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    kinds = {"F16": np.float16, "BF16": None, "F32": np.float32}
    w = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        raw = data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]
        w[name] = torch.from_numpy(np.frombuffer(raw, dtype=kinds[v["dtype"]]).astype(np.float32).reshape(v["shape"]))
    return w


def selective_scan_ref(u, delta, A, B, C, D, z):
    """u, delta, z: (Di, L); A: (Di, N); B, C: (N, L). Returns y (Di, L) and the last state."""
    Di, L = u.shape
    deltaA = torch.exp(torch.einsum("dl,dn->dln", delta, A))
    deltaB_u = torch.einsum("dl,nl,dl->dln", delta, B, u)
    x = u.new_zeros(Di, A.shape[1])
    ys = []
    for i in range(L):
        x = deltaA[:, i] * x + deltaB_u[:, i]
        ys.append(x @ C[:, i])
    y = torch.stack(ys, dim=1) + u * D[:, None]
    return y * F.silu(z), x


class Peer:
    def __init__(self, folder):
        self.cfg = json.load(open(folder + "/config.json"))
        self.w = read_weights(folder)
        c = self.cfg
        self.H, self.N, self.K = c["hidden_size"], c.get("state_size", 16), c.get("conv_kernel", 4)
        self.Di = c.get("expand", 2) * self.H
        self.R = c.get("time_step_rank", math.ceil(self.H / 16))
        self.L = c["num_hidden_layers"]
        self.eps = c.get("layer_norm_epsilon", 1e-5)
        self.A = [-torch.exp(self.w[f"backbone.layers.{i}.mixer.A_log"]) for i in range(self.L)]

    def norm(self, x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * g

    def prompt(self, ids):
        """The whole prompt at once; returns the last logits and each layer's (conv window, state)."""
        w, Di, R, N, K = self.w, self.Di, self.R, self.N, self.K
        x = w["backbone.embeddings.weight"][torch.tensor(ids)]
        T = len(ids)
        cache = []
        for i in range(self.L):
            p = f"backbone.layers.{i}.mixer."
            xz = self.norm(x, w[f"backbone.layers.{i}.norm.weight"]) @ w[p + "in_proj.weight"].T
            u, z = xz[:, :Di].T, xz[:, Di:].T  # (Di, T)
            window = F.pad(u, (K - 1, 0))[:, -(K - 1):]  # the last K − 1 inputs, zeros before the start
            u = F.silu(F.conv1d(u[None], w[p + "conv1d.weight"], w[p + "conv1d.bias"], padding=K - 1, groups=Di)[0, :, :T])
            dbl = u.T @ w[p + "x_proj.weight"].T
            dt, B, C = dbl[:, :R], dbl[:, R:R + N], dbl[:, R + N:]
            delta = F.softplus(dt @ w[p + "dt_proj.weight"].T + w[p + "dt_proj.bias"]).T
            y, state = selective_scan_ref(u, delta, self.A[i], B.T, C.T, w[p + "D"], z)
            x = x + y.T @ w[p + "out_proj.weight"].T
            cache.append([window.clone(), state])
        return self.norm(x[-1:], w["backbone.norm_f.weight"]) @ w["backbone.embeddings.weight"].T, cache

    def step(self, token, cache):
        """One token through the recurrence (Mamba.step): roll the conv window, update the state."""
        w, Di, R, N = self.w, self.Di, self.R, self.N
        x = w["backbone.embeddings.weight"][token][None]
        for i in range(self.L):
            p = f"backbone.layers.{i}.mixer."
            xz = self.norm(x, w[f"backbone.layers.{i}.norm.weight"]) @ w[p + "in_proj.weight"].T
            u, z = xz[0, :Di], xz[0, Di:]
            window = torch.cat([cache[i][0], u[:, None]], dim=1)  # (Di, K)
            cache[i][0] = window[:, 1:]
            u = F.silu((window * w[p + "conv1d.weight"][:, 0]).sum(-1) + w[p + "conv1d.bias"])
            dbl = u @ w[p + "x_proj.weight"].T
            dt, B, C = dbl[:R], dbl[R:R + N], dbl[R + N:]
            delta = F.softplus(dt @ w[p + "dt_proj.weight"].T + w[p + "dt_proj.bias"])
            state = torch.exp(delta[:, None] * self.A[i]) * cache[i][1] + (delta * u)[:, None] * B[None]
            cache[i][1] = state
            y = (state @ C + w[p + "D"] * u) * F.silu(z)
            x = x + (y @ w[p + "out_proj.weight"].T)[None]
        return self.norm(x, w["backbone.norm_f.weight"]) @ w["backbone.embeddings.weight"].T


def main():
    folder, prompt_tokens, decode_tokens, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    peer = Peer(folder)
    ids = [1 + (i * 37) % 3000 for i in range(prompt_tokens)]  # the benchmark's prompt
    best_p = best_d = 1e9
    with torch.no_grad():
        for n, _ in [(n, r) for n in sorted({1, threads}) for r in range(3)]:
            torch.set_num_threads(n)
            t0 = time.perf_counter()
            logits, cache = peer.prompt(ids)
            t1 = time.perf_counter()
            for _ in range(decode_tokens):
                logits = peer.step(int(logits[0].argmax()), cache)
            t2 = time.perf_counter()
            best_p, best_d = min(best_p, t1 - t0), min(best_d, t2 - t1)
    print(best_p, best_d)


if __name__ == "__main__":
    main()
