"""An independent Mamba (S6) in float64 torch, written from the definitions
(Gu & Dao 2023; Hugging Face MambaForCausalLM's slow path) for the tests:
a sequential scan loop, token by token, on weights read by numpy (not our
parser). Not the engine's code and not mamba_ssm's.

  random OUT [--hidden --state --layers --expand --conv --rank --vocab --dtype --seed]
      writes a random checkpoint in Hugging Face's layout
  logits FOLDER PROMPTS.json OUT.bin
      float64 logits of every position of every prompt, concatenated
  states FOLDER PROMPT.json LAYER OUT.bin
      the SSM state (d_inner × N) of LAYER after every token of one prompt
  trace FOLDER PROMPT.json OUT.bin
      every layer's Δ', SiLU(z), gated y, B, C and states, then the logits
  perplexity FOLDER TEXT N
      float64 perplexity of the first N non-empty lines, each <s> line </s>
      (python3-sentencepiece's ids), as JSON {"perplexity", "tokens"}
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference as lr  # noqa: E402  (its safetensors reader and writer)


def forward(config, w, ids, state_layer=None, trace=None):
    H = config["hidden_size"]
    N = config.get("state_size", 16)
    E = config.get("expand", 2)
    K = config.get("conv_kernel", 4)
    R = config.get("time_step_rank", math.ceil(H / 16))
    Di = E * H
    eps = config.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    x = w["backbone.embeddings.weight"][torch.tensor(ids)]
    states = []
    for i in range(config["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w[p + "norm.weight"]
        xz = h @ w[p + "mixer.in_proj.weight"].T
        if config.get("use_bias", False):
            xz = xz + w[p + "mixer.in_proj.bias"]
        u, z = xz[:, :Di], xz[:, Di:]
        cw = w[p + "mixer.conv1d.weight"].reshape(Di, K)
        cb = w[p + "mixer.conv1d.bias"] if config.get("use_conv_bias", True) else torch.zeros(Di, dtype=torch.float64)
        conv = torch.zeros(T, Di, dtype=torch.float64)
        for t in range(T):
            acc = cb.clone()
            for k in range(K):
                s = t - (K - 1) + k
                if s >= 0:
                    acc = acc + cw[:, k] * u[s]
            conv[t] = acc
        u = conv * torch.sigmoid(conv)
        dbl = u @ w[p + "mixer.x_proj.weight"].T
        dt, B, C = dbl[:, :R], dbl[:, R:R + N], dbl[:, R + N:]
        delta = torch.nn.functional.softplus(dt @ w[p + "mixer.dt_proj.weight"].T + w[p + "mixer.dt_proj.bias"])
        A = -torch.exp(w[p + "mixer.A_log"])
        D = w[p + "mixer.D"]
        s = torch.zeros(Di, N, dtype=torch.float64)
        y = torch.zeros(T, Di, dtype=torch.float64)
        for t in range(T):  # the recurrence, one step at a time
            s = torch.exp(delta[t][:, None] * A) * s + (delta[t] * u[t])[:, None] * B[t][None, :]
            y[t] = s @ C[t] + D * u[t]
            if state_layer == i:
                states.append(s.clone())
            if trace is not None:
                trace.setdefault(("state", i), []).append(s.clone())
        gate = z * torch.sigmoid(z)
        y = y * gate
        if trace is not None:
            trace[("delta", i)], trace[("gate", i)], trace[("output", i)] = delta, gate, y
            trace[("B", i)], trace[("C", i)] = B, C
        out = y @ w[p + "mixer.out_proj.weight"].T
        if config.get("use_bias", False):
            out = out + w[p + "mixer.out_proj.bias"]
        x = x + out
    xf = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w["backbone.norm_f.weight"]
    head = w["backbone.embeddings.weight"] if config.get("tie_word_embeddings", True) else w["lm_head.weight"]
    return xf @ head.T, states


def random_checkpoint(a):
    rng = np.random.default_rng(a.seed)
    H, N, E, K, R, V = a.hidden, a.state, a.expand, a.conv, a.rank, a.vocab
    Di = E * H
    config = {"model_type": "mamba", "hidden_size": H, "state_size": N, "num_hidden_layers": a.layers,
              "expand": E, "conv_kernel": K, "time_step_rank": R, "vocab_size": V, "layer_norm_epsilon": 1e-5,
              "use_bias": a.bias, "use_conv_bias": True, "tie_word_embeddings": True, "hidden_act": "silu",
              "intermediate_size": Di, "residual_in_fp32": True, "initializer_range": 0.1,
              "time_step_min": 0.001, "time_step_max": 0.1, "time_step_init_scheme": "random",
              "torch_dtype": {"f16": "float16", "bf16": "bfloat16", "f32": "float32"}[a.dtype]}
    w = {"backbone.embeddings.weight": rng.normal(0, 1.0, (V, H)), "backbone.norm_f.weight": 1 + 0.1 * rng.normal(size=H)}
    for i in range(a.layers):
        p = f"backbone.layers.{i}."
        w[p + "norm.weight"] = 1 + 0.1 * rng.normal(size=H)
        w[p + "mixer.in_proj.weight"] = rng.normal(0, 1 / math.sqrt(H), (2 * Di, H))
        w[p + "mixer.conv1d.weight"] = rng.normal(0, 0.5, (Di, 1, K))
        w[p + "mixer.conv1d.bias"] = rng.normal(0, 0.1, Di)
        w[p + "mixer.x_proj.weight"] = rng.normal(0, 1 / math.sqrt(Di), (R + 2 * N, Di))
        w[p + "mixer.dt_proj.weight"] = rng.normal(0, 1 / math.sqrt(R), (Di, R))
        # Δ's bias as Mamba initialises it: softplus⁻¹ of a step in [0.001, 0.1].
        step = np.exp(rng.uniform(math.log(0.001), math.log(0.1), Di))
        w[p + "mixer.dt_proj.bias"] = step + np.log(-np.expm1(-step))
        w[p + "mixer.A_log"] = np.log(np.tile(np.arange(1, N + 1, dtype=np.float64), (Di, 1)))
        w[p + "mixer.D"] = np.ones(Di) + 0.1 * rng.normal(size=Di)
        w[p + "mixer.out_proj.weight"] = rng.normal(0, 1 / math.sqrt(Di), (H, Di))
        if a.bias:
            w[p + "mixer.in_proj.bias"] = rng.normal(0, 0.1, 2 * Di)
            w[p + "mixer.out_proj.bias"] = rng.normal(0, 0.1, H)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    lr.write_safetensors(os.path.join(a.out, "model.safetensors"), w, {"f16": "F16", "bf16": "BF16", "f32": "F32"}[a.dtype])


def main():
    mode = sys.argv[1]
    if mode == "random":
        ap = argparse.ArgumentParser()
        ap.add_argument("out")
        ap.add_argument("--hidden", type=int, default=32)
        ap.add_argument("--state", type=int, default=8)
        ap.add_argument("--layers", type=int, default=2)
        ap.add_argument("--expand", type=int, default=2)
        ap.add_argument("--conv", type=int, default=4)
        ap.add_argument("--rank", type=int, default=2)
        ap.add_argument("--vocab", type=int, default=60)
        ap.add_argument("--bias", action="store_true")
        ap.add_argument("--dtype", default="f32")
        ap.add_argument("--seed", type=int, default=1)
        random_checkpoint(ap.parse_args(sys.argv[2:]))
    elif mode == "logits":
        config, w = lr.read_folder(sys.argv[2])
        prompts = json.load(open(sys.argv[3]))
        with torch.no_grad():
            rows = [forward(config, w, ids)[0] for ids in prompts]
        torch.cat(rows).numpy().astype(np.float64).tofile(sys.argv[4])
    elif mode == "trace":
        # Per layer: delta, gate, output (T × d_inner), B, C (T × N), the
        # state after each token (T × d_inner × N); then the logits (T × V).
        config, w = lr.read_folder(sys.argv[2])
        ids = json.load(open(sys.argv[3]))
        trace = {}
        with torch.no_grad():
            logits, _ = forward(config, w, ids, trace=trace)
        parts = []
        for i in range(config["num_hidden_layers"]):
            parts += [trace[(k, i)] for k in ("delta", "gate", "output", "B", "C")]
            parts.append(torch.stack(trace[("state", i)]))
        parts.append(logits)
        np.concatenate([p.numpy().astype(np.float64).ravel() for p in parts]).tofile(sys.argv[4])
    elif mode == "perplexity":
        config, w = lr.read_folder(sys.argv[2])
        print(json.dumps(lr.perplexity(lambda ids: forward(config, w, ids)[0], sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    elif mode == "states":
        config, w = lr.read_folder(sys.argv[2])
        ids = json.load(open(sys.argv[3]))
        with torch.no_grad():
            _, states = forward(config, w, ids, state_layer=int(sys.argv[4]))
        torch.stack(states).numpy().astype(np.float64).tofile(sys.argv[5])
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
