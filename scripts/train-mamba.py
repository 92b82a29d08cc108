#!/usr/bin/python3
"""Trains the small Mamba (S6) language model Loupe ships
(resources/models/loupe-mamba-2m/).

Run by hand, not by make (under 30 minutes on 2 cores):

    /usr/bin/python3 scripts/train-mamba.py [--out resources/models] [--seed 1]

Same corpus, split, tokenizer and training stream as the transformers of
scripts/train-lm.py (whose corpus code this script imports rather than
repeats): WordNet 3.0's glosses, shuffled with the seed, the first 1,000
lines held out; the tokenizer is the shipped loupe-llama-2m/tokenizer.model,
so the two architectures are compared on the same tokens.

Writes a Hugging Face MambaForCausalLM checkpoint folder: config.json
(MambaConfig names), model.safetensors (float16, tied embeddings) and
tokenizer.model; and adds the run's figures to training.json.

The architecture is written here from the Mamba paper's definition
(Gu & Dao 2023, Algorithm 2 and §3.6) — Debian's torch 1.13 has neither
transformers nor mamba_ssm: RMSNorm, in projection to (x, z), causal
depthwise conv1d with bias, SiLU, x projection to (δ, B, C), Δ =
softplus(dt_proj(δ)), the selective scan with A = −exp(A_log) and the D
skip, the SiLU(z) gate, the out projection, the residual. The scan runs as
the plain recurrence over time (exact; on 128-token windows the Python loop
costs less than the projections around it). Initialisation follows the
paper's reference code: A_log = log(1..N) per channel (S4D-real), D = 1,
dt_proj's bias the inverse softplus of Δ drawn log-uniform in
[0.001, 0.1], dt_proj's weight uniform in ±rank^-1/2.
"""
import argparse
import importlib.util
import json
import math
import os
import random
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("train_lm", os.path.join(HERE, "train-lm.py"))
lm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lm)

NAME = "loupe-mamba-2m"
# The shipped transformer's width and depth (loupe-llama-2m: 4 blocks of
# hidden 192). Steps are what fits 25 minutes on 2 cores: a step costs about
# 2.1 s here against the transformer's 0.9 s, the scan's state being
# d_inner × N = 6,144 numbers a token and layer.
CFG = dict(hidden=192, layers=4, state=16, expand=2, conv=4, dt_rank=12, steps=700)
BATCH, CONTEXT = lm.BATCH, lm.CONTEXT
LR, WARMUP, WEIGHT_DECAY, CLIP, EPS = lm.LR, lm.WARMUP, lm.WEIGHT_DECAY, lm.CLIP, lm.EPS
DT_MIN, DT_MAX = 0.001, 0.1


class SelectiveScan(torch.autograd.Function):
    """y_t = C_t · h_t,  h_t = exp(Δ_t A) ⊙ h_{t−1} + (Δ_t u_t) B_t,  h_0 = 0,
    with its backward written out. Letting autograd record the loop costs 3 s
    a step on 2 cores (its bookkeeping, and the per-step intermediates it
    keeps); this keeps only the states and runs both loops as one fused
    multiply-add per time step on time-major tensors. The gradient is
    checked against autograd through the plain loop in float64 (--check)."""

    @staticmethod
    def forward(ctx, u, delta, A, Bm, Cm):
        # Time-major (L, b, I, N) buffers written through out=, so that no
        # layout copies of the big tensors are made.
        dA = SelectiveScan.decay(delta, A)
        states = torch.empty_like(dA)
        torch.mul((delta * u).transpose(0, 1).unsqueeze(-1), Bm.transpose(0, 1).unsqueeze(2), out=states)
        for t in range(1, states.shape[0]):
            states[t].addcmul_(dA[t], states[t - 1])
        ctx.save_for_backward(u, delta, A, Bm, Cm, states)
        return (states @ Cm.transpose(0, 1).unsqueeze(-1)).squeeze(-1).transpose(0, 1)

    @staticmethod
    def decay(delta, A):
        dA = torch.empty(delta.shape[1], delta.shape[0], *A.shape, dtype=delta.dtype)
        torch.mul(delta.transpose(0, 1).unsqueeze(-1), A, out=dA)
        return dA.exp_()

    @staticmethod
    def backward(ctx, gy):
        u, delta, A, Bm, Cm, states = ctx.saved_tensors
        gy_t = gy.transpose(0, 1)                                              # (L, b, I)
        dA = SelectiveScan.decay(delta, A)
        # G_t = dL/dh_t in full: what y_t takes from h_t, plus what h_{t+1} passes back.
        G = torch.empty_like(dA)
        torch.mul(gy_t.unsqueeze(-1), Cm.transpose(0, 1).unsqueeze(2), out=G)
        for t in range(G.shape[0] - 2, -1, -1):
            G[t].addcmul_(dA[t + 1], G[t + 1])
        gC = (states.transpose(-1, -2) @ gy_t.unsqueeze(-1)).squeeze(-1)       # (L, b, N)
        gB = (G.transpose(-1, -2) @ (delta * u).transpose(0, 1).unsqueeze(-1)).squeeze(-1)
        through_drive = (G @ Bm.transpose(0, 1).unsqueeze(-1)).squeeze(-1)     # dL/d(Δ_t u_t), (L, b, I)
        W = dA.mul_(G)                                                         # dL/d(Δ_t A), elementwise
        W[1:].mul_(states[:-1])
        W[0].zero_()
        delta_t, u_t = delta.transpose(0, 1), u.transpose(0, 1)
        gA = (W * delta_t.unsqueeze(-1)).sum((0, 1))
        g_delta = through_drive * u_t + (W.mul_(A)).sum(-1)
        return ((through_drive * delta_t).transpose(0, 1), g_delta.transpose(0, 1), gA,
                gB.transpose(0, 1), gC.transpose(0, 1))


def reference_scan(u, delta, A, Bm, Cm):
    """The plain loop, for --check."""
    h, ys = torch.zeros(u.shape[0], u.shape[2], A.shape[1], dtype=u.dtype), []
    for t in range(u.shape[1]):
        h = torch.exp(delta[:, t, :, None] * A) * h + (delta[:, t] * u[:, t])[..., None] * Bm[:, t, None, :]
        ys.append((h * Cm[:, t, None, :]).sum(-1))
    return torch.stack(ys, 1)


def check_scan_gradient():
    torch.manual_seed(0)
    b, length, inner, n = 2, 9, 5, 3
    args = [torch.randn(b, length, inner, dtype=torch.float64), F.softplus(torch.randn(b, length, inner, dtype=torch.float64)),
            -torch.rand(inner, n, dtype=torch.float64) * 3, torch.randn(b, length, n, dtype=torch.float64),
            torch.randn(b, length, n, dtype=torch.float64)]
    args = [a.requires_grad_() for a in args]
    gy = torch.randn(b, length, inner, dtype=torch.float64)
    ours = torch.autograd.grad(SelectiveScan.apply(*args), args, gy)
    theirs = torch.autograd.grad(reference_scan(*args), args, gy)
    worst = max((o - t).abs().max().item() for o, t in zip(ours, theirs))
    forward = (SelectiveScan.apply(*args) - reference_scan(*args)).abs().max().item()
    print(f"selective scan vs autograd through the loop (float64): forward {forward:.1e}, gradient {worst:.1e}")
    assert forward < 1e-12 and worst < 1e-10


class Mamba(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, state, expand, conv, dt_rank):
        super().__init__()
        inner = expand * hidden
        self.state, self.dt_rank = state, dt_rank
        self.embed = torch.nn.Embedding(vocab, hidden)
        torch.nn.init.normal_(self.embed.weight, std=0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            b = torch.nn.Module()
            b.norm = torch.nn.Parameter(torch.ones(hidden))
            b.in_proj = torch.nn.Linear(hidden, 2 * inner, bias=False)
            b.conv1d = torch.nn.Conv1d(inner, inner, conv, groups=inner, padding=conv - 1, bias=True)
            b.x_proj = torch.nn.Linear(inner, dt_rank + 2 * state, bias=False)
            b.dt_proj = torch.nn.Linear(dt_rank, inner, bias=True)
            b.out_proj = torch.nn.Linear(inner, hidden, bias=False)
            b.A_log = torch.nn.Parameter(torch.log(torch.arange(1, state + 1, dtype=torch.float32)).repeat(inner, 1))
            b.D = torch.nn.Parameter(torch.ones(inner))
            with torch.no_grad():
                bound = dt_rank ** -0.5
                b.dt_proj.weight.uniform_(-bound, bound)
                dt = torch.exp(torch.rand(inner) * (math.log(DT_MAX) - math.log(DT_MIN)) + math.log(DT_MIN))
                b.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
                # The residual branch's last projection scaled by 1/sqrt(layers), as
                # the reference code's rescale_prenorm_residual does.
                torch.nn.init.kaiming_uniform_(b.out_proj.weight, a=math.sqrt(5))
                b.out_proj.weight /= math.sqrt(layers)
            self.blocks.append(b)
        self.norm_f = torch.nn.Parameter(torch.ones(hidden))

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w

    def mixer(self, b, h):
        length = h.shape[1]
        x, z = b.in_proj(h).chunk(2, dim=-1)
        x = F.silu(b.conv1d(x.transpose(1, 2))[..., :length].transpose(1, 2))
        dt, Bm, Cm = b.x_proj(x).split([self.dt_rank, self.state, self.state], dim=-1)
        dt = F.softplus(b.dt_proj(dt))                       # (b, L, inner)
        A = -torch.exp(b.A_log)                              # (inner, N)
        y = SelectiveScan.apply(x, dt, A, Bm, Cm) + x * b.D
        return b.out_proj(y * F.silu(z))

    def forward(self, ids):
        x = self.embed(ids)
        for b in self.blocks:
            x = x + self.mixer(b, self.rms(x, b.norm))
        return self.rms(x, self.norm_f) @ self.embed.weight.T  # tied LM head


def hf_tensors(model):
    """The weights under Hugging Face's MambaForCausalLM names."""
    out = {"backbone.embeddings.weight": model.embed.weight, "backbone.norm_f.weight": model.norm_f}
    for i, b in enumerate(model.blocks):
        p = f"backbone.layers.{i}."
        out[p + "norm.weight"] = b.norm
        out[p + "mixer.in_proj.weight"] = b.in_proj.weight
        out[p + "mixer.conv1d.weight"] = b.conv1d.weight  # (inner, 1, K), as Conv1d stores it
        out[p + "mixer.conv1d.bias"] = b.conv1d.bias
        out[p + "mixer.x_proj.weight"] = b.x_proj.weight
        out[p + "mixer.dt_proj.weight"] = b.dt_proj.weight
        out[p + "mixer.dt_proj.bias"] = b.dt_proj.bias
        out[p + "mixer.out_proj.weight"] = b.out_proj.weight
        out[p + "mixer.A_log"] = b.A_log
        out[p + "mixer.D"] = b.D
    return out


def write_config(path, cfg):
    config = {
        "architectures": ["MambaForCausalLM"],
        "model_type": "mamba",
        "hidden_size": cfg["hidden"],
        "state_size": cfg["state"],
        "num_hidden_layers": cfg["layers"],
        "expand": cfg["expand"],
        "intermediate_size": cfg["expand"] * cfg["hidden"],
        "conv_kernel": cfg["conv"],
        "time_step_rank": cfg["dt_rank"],
        "vocab_size": lm.VOCAB,
        "layer_norm_epsilon": EPS,
        "use_bias": False,
        "use_conv_bias": True,
        "tie_word_embeddings": True,
        "hidden_act": "silu",
        "torch_dtype": "float16",
        "bos_token_id": lm.BOS,
        "eos_token_id": lm.EOS,
        "time_step_min": DT_MIN,
        "time_step_max": DT_MAX,
    }
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="resources/models")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=CFG["steps"])
    ap.add_argument("--tokenizer", default=os.path.join(HERE, "..", "resources", "models", "loupe-llama-2m",
                                                        "tokenizer.model"))
    ap.add_argument("--check", action="store_true", help="only check the scan's gradient, then stop")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    check_scan_gradient()
    if args.check:
        return

    lines = lm.wordnet_lines()
    random.Random(args.seed).shuffle(lines)
    held_lines, train_lines = lines[: lm.HELD_OUT], lines[lm.HELD_OUT:]
    tokenizer = args.tokenizer
    sp = spm.SentencePieceProcessor(model_file=tokenizer)
    stream = np.fromiter((t for ids in sp.encode(train_lines) for t in [lm.BOS] + ids + [lm.EOS]), dtype=np.int32)
    held = sp.encode(held_lines)
    print(f"corpus: {len(train_lines)} training lines, {len(stream)} tokens; {len(held_lines)} held out", flush=True)

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    cfg = dict(CFG, steps=args.steps)
    model = Mamba(lm.VOCAB, cfg["hidden"], cfg["layers"], cfg["state"], cfg["expand"], cfg["conv"], cfg["dt_rank"])
    # Weight decay on matrices only: not on norms, biases, A_log, D or the conv taps.
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.endswith("A_log")]
    rest = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.endswith("A_log"))]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
        lr=LR, betas=(0.9, 0.95))
    steps = cfg["steps"]
    params = sum(p.numel() for p in model.parameters())
    print(f"{NAME}: {params / 1e6:.2f} M parameters, {steps} steps of {BATCH} x {CONTEXT} tokens", flush=True)
    start = time.time()
    for step in range(steps):
        lr = LR * (step + 1) / WARMUP if step < WARMUP else \
            LR * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (steps - WARMUP)))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = rng.integers(0, len(stream) - CONTEXT - 1, BATCH)
        batch = torch.from_numpy(np.stack([stream[s: s + CONTEXT + 1] for s in starts]).astype(np.int64))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, lm.VOCAB), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"  step {step:5d}  loss {loss.item():.3f}  lr {lr:.2e}  {time.time() - start:6.0f} s", flush=True)
    model.eval()
    ppl = lm.held_out_perplexity(model, held)
    minutes = (time.time() - start) / 60
    print(f"{NAME}: held-out perplexity {ppl:.2f} (torch, float32 weights) after {minutes:.1f} min", flush=True)

    folder = os.path.join(args.out, NAME)
    os.makedirs(folder, exist_ok=True)
    lm.write_safetensors(os.path.join(folder, "model.safetensors"), hf_tensors(model))
    write_config(os.path.join(folder, "config.json"), cfg)
    with open(tokenizer, "rb") as src, open(os.path.join(folder, "tokenizer.model"), "wb") as dst:
        dst.write(src.read())
    summary_path = os.path.join(args.out, "training.json")
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {"models": {}}
    summary["models"][NAME] = {"parameters": params, "steps": steps, "minutes": round(minutes, 1),
                               "torch_ppl_f32": round(ppl, 2)}
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary["models"][NAME], indent=2))


if __name__ == "__main__":
    main()
