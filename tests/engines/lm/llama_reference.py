#!/usr/bin/python3
"""The independent reference for engines/lm: a Llama forward pass in float64
torch, written here from the architecture's definition (not from our C++),
on weights read by its own safetensors reader (numpy, not our parser).

  llama_reference.py random OUT [--hidden H --heads A --kv-heads G --layers L
                     --intermediate I --vocab V --theta T --untied --dtype f16|bf16|f32
                     --seed S --shards N]
      writes a checkpoint folder of random weights (config.json and
      model.safetensors, or N shards with model.safetensors.index.json)
  llama_reference.py logits FOLDER PROMPTS.json OUT.bin
      PROMPTS.json: a list of token-id lists. Writes the float64 logits of
      every position of every prompt, prompts one after the other
  llama_reference.py perplexity FOLDER TEXT N
      float64 perplexity of the first N non-empty lines, each <s> line </s>
  llama_reference.py head FOLDER PROMPT_IDS.json LAYER HEAD OUT.bin
      one head's attention output (tokens × head width) in one layer
  llama_reference.py greedy FOLDER PROMPT_IDS.json N OUT.json
      N greedy tokens after the prompt (each step a full float64 forward),
      with the softmax probability and entropy (nats) of each
  llama_reference.py tokenize TOKENIZER.model LINES.txt OUT.json
      python3-sentencepiece's ids of every line
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (np.uint16, 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8: 8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        np_type, _ = DTYPES[t["dtype"]]
        b, e = t["data_offsets"]
        a = np.frombuffer(data[8 + n + b: 8 + n + e], dtype=np_type)
        if t["dtype"] == "BF16":  # bf16 is the top half of a float32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = torch.from_numpy(a.astype(np.float64).reshape(t["shape"]))
    return out


def read_folder(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(index):
        for shard in sorted(set(json.load(open(index))["weight_map"].values())):
            tensors.update(read_safetensors(os.path.join(folder, shard)))
    else:
        tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    return json.load(open(os.path.join(folder, "config.json"))), tensors


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rope(x, theta):
    """x: heads × tokens × d; position p turns the pair (i, i + d/2) by p·θ^(−2i/d)."""
    d = x.shape[-1]
    inv = theta ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.arange(x.shape[1], dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([angles.cos(), angles.cos()], -1)
    sin = torch.cat([angles.sin(), angles.sin()], -1)
    rotated = torch.cat([-x[..., d // 2:], x[..., : d // 2]], -1)
    return x * cos + rotated * sin


def forward(config, w, ids, capture=None):
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    kv = config.get("num_key_value_heads", heads)
    eps, theta = config.get("rms_norm_eps", 1e-6), config.get("rope_theta", 10000.0)
    d, t = hidden // heads, len(ids)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    mask = torch.full((t, t), -math.inf, dtype=torch.float64).triu(1)
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(t, heads, d).transpose(0, 1)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(t, kv, d).transpose(0, 1)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(t, kv, d).transpose(0, 1)
        q, k = rope(q, theta), rope(k, theta)
        k, v = k.repeat_interleave(heads // kv, 0), v.repeat_interleave(heads // kv, 0)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d) + mask, -1) @ v
        if capture is not None:
            capture.append(a)  # heads × tokens × d: each head's attention output
        x = x + a.transpose(0, 1).reshape(t, hidden) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (g * torch.sigmoid(g) * u) @ w[p + "mlp.down_proj.weight"].T
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return rms_norm(x, w["model.norm.weight"], eps) @ head.T


def write_safetensors(path, tensors, code):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        if code == "BF16":
            raw = (a.astype(np.float32).view(np.uint32) + 0x8000 >> 16).astype(np.uint16)  # round half up: fine for random weights
        else:
            raw = a.astype(DTYPES[code][0])
        data = raw.tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def random_checkpoint(a):
    rng = np.random.default_rng(a.seed)
    d = a.hidden // a.heads
    config = {"model_type": "llama", "hidden_size": a.hidden, "intermediate_size": a.intermediate,
              "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "num_hidden_layers": a.layers,
              "rms_norm_eps": 1e-5, "rope_theta": a.theta, "vocab_size": a.vocab, "max_position_embeddings": 1024,
              "tie_word_embeddings": not a.untied, "hidden_act": "silu",
              "torch_dtype": {"f16": "float16", "bf16": "bfloat16", "f32": "float32"}[a.dtype]}
    w = {"model.embed_tokens.weight": rng.normal(0, 1.0, (a.vocab, a.hidden)),
         "model.norm.weight": 1 + 0.1 * rng.normal(size=a.hidden)}
    if a.untied:
        w["lm_head.weight"] = rng.normal(0, 0.05, (a.vocab, a.hidden))
    s = 1 / math.sqrt(a.hidden)
    for i in range(a.layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + 0.1 * rng.normal(size=a.hidden)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * rng.normal(size=a.hidden)
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 2 * s, (a.heads * d, a.hidden))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 2 * s, (a.kv_heads * d, a.hidden))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, s, (a.kv_heads * d, a.hidden))
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, s, (a.hidden, a.heads * d))
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, s, (a.intermediate, a.hidden))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, s, (a.intermediate, a.hidden))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 1 / math.sqrt(a.intermediate), (a.hidden, a.intermediate))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    code = {"f16": "F16", "bf16": "BF16", "f32": "F32"}[a.dtype]
    if a.shards <= 1:
        write_safetensors(os.path.join(a.out, "model.safetensors"), w, code)
        return
    names, weight_map = sorted(w), {}
    for s_i in range(a.shards):
        shard = f"model-{s_i + 1:05d}-of-{a.shards:05d}.safetensors"
        part = {n: w[n] for n in names[s_i:: a.shards]}
        write_safetensors(os.path.join(a.out, shard), part, code)
        weight_map.update({n: shard for n in part})
    with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)


def perplexity(logits_of, folder, text, n):
    """float64 perplexity of `text`'s first n non-empty lines, each <s> line </s>
    (python3-sentencepiece's ids of FOLDER/tokenizer.model), every token after
    <s> predicted by logits_of(ids) (rows × vocab). Shared with mamba_reference.py."""
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(folder, "tokenizer.model"))
    lines = [l for l in open(text, encoding="utf-8").read().split("\n") if l][:n]
    nll, count = 0.0, 0
    with torch.no_grad():
        for line in lines:
            seq = [sp.bos_id()] + sp.encode(line) + [sp.eos_id()]
            logp = torch.log_softmax(logits_of(seq[:-1]), -1)
            nll -= float(logp[torch.arange(len(seq) - 1), torch.tensor(seq[1:])].sum())
            count += len(seq) - 1
    return {"perplexity": math.exp(nll / count), "tokens": count}


def main():
    mode = sys.argv[1]
    if mode == "random":
        ap = argparse.ArgumentParser()
        ap.add_argument("out")
        ap.add_argument("--hidden", type=int, default=64)
        ap.add_argument("--heads", type=int, default=8)
        ap.add_argument("--kv-heads", type=int, default=2)
        ap.add_argument("--layers", type=int, default=2)
        ap.add_argument("--intermediate", type=int, default=96)
        ap.add_argument("--vocab", type=int, default=300)
        ap.add_argument("--theta", type=float, default=500000.0)
        ap.add_argument("--untied", action="store_true")
        ap.add_argument("--dtype", default="f16")
        ap.add_argument("--seed", type=int, default=1)
        ap.add_argument("--shards", type=int, default=1)
        random_checkpoint(ap.parse_args(sys.argv[2:]))
    elif mode == "logits":
        config, w = read_folder(sys.argv[2])
        prompts = json.load(open(sys.argv[3]))
        with torch.no_grad():
            rows = [forward(config, w, ids) for ids in prompts]
        torch.cat(rows).numpy().astype(np.float64).tofile(sys.argv[4])
    elif mode == "perplexity":  # FOLDER TEXT N: float64 perplexity of the first N lines, each <s> line </s>
        config, w = read_folder(sys.argv[2])
        print(json.dumps(perplexity(lambda ids: forward(config, w, ids), sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    elif mode == "head":  # FOLDER IDS.json LAYER HEAD OUT.bin: that head's attention output, tokens × d
        config, w = read_folder(sys.argv[2])
        heads = []
        with torch.no_grad():
            forward(config, w, json.load(open(sys.argv[3])), heads)
        heads[int(sys.argv[4])][int(sys.argv[5])].numpy().astype(np.float64).tofile(sys.argv[6])
    elif mode == "greedy":
        config, w = read_folder(sys.argv[2])
        ids, out = list(json.load(open(sys.argv[3]))), {"tokens": [], "probabilities": [], "entropies": []}
        with torch.no_grad():
            for _ in range(int(sys.argv[4])):
                p = torch.softmax(forward(config, w, ids)[-1], -1)
                token = int(p.argmax())
                out["tokens"].append(token)
                out["probabilities"].append(float(p[token]))
                out["entropies"].append(float(-(p[p > 0] * p[p > 0].log()).sum()))
                ids.append(token)
        json.dump(out, open(sys.argv[5], "w"))
    elif mode == "tokenize":
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=sys.argv[2])
        lines = open(sys.argv[3], encoding="utf-8").read().split("\n")
        json.dump(sp.encode(lines), open(sys.argv[4], "w"))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
