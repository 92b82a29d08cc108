#!/usr/bin/python3
"""Trains the two small language models Loupe ships (resources/models/).

Run by hand, not by make (about 20 minutes on 2 cores):

    /usr/bin/python3 scripts/train-lm.py [--out resources/models] [--seed 1]

Corpus: WordNet 3.0's glosses (Debian package wordnet-base, /usr/share/wordnet),
one line per synset: "word: gloss; "example"". Its licence allows
redistribution; the model card quotes it. Lines are shuffled with the seed;
the first HELD_OUT lines are held out, the rest train the tokenizer and both
models.

Writes, per model, a Hugging Face checkpoint folder that Loupe's engine
(engines/lm) and any Llama loader read: config.json (LlamaConfig names),
model.safetensors (float16, tied embeddings, so no lm_head.weight) and
tokenizer.model (SentencePiece BPE, byte fallback). The held-out lines go to
heldout.txt beside them, so that perplexity can be measured by the engine.

The architecture is written here from its definition (Llama: RMSNorm,
rotary embedding in the "rotate half" convention, grouped key/value heads,
SwiGLU), not imported: Debian's torch 1.13 has no transformers.
"""
import argparse
import json
import math
import os
import random
import struct
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

WORDNET = "/usr/share/wordnet"
HELD_OUT = 1000
VOCAB = 4000
BOS, EOS = 1, 2

# The two models: a target and a smaller draft of the same tokenizer.
# Sizes and steps follow what was measured on this machine (shared/STACK.md):
# on 2 cores, longer training pays more than a larger model.
MODELS = {
    "loupe-llama-2m": dict(hidden=192, layers=4, heads=6, kv_heads=2, intermediate=512, steps=1200),
    "loupe-llama-draft": dict(hidden=128, layers=1, heads=4, kv_heads=2, intermediate=384, steps=1000),
}
BATCH, CONTEXT = 16, 128
LR, WARMUP, WEIGHT_DECAY, CLIP = 3e-3, 30, 0.1, 1.0
ROPE_THETA, EPS = 10000.0, 1e-5


def wordnet_lines():
    """Every synset of the four data files as "word: gloss"."""
    lines = []
    for part in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET, "data." + part), encoding="utf-8") as f:
            for raw in f:
                if raw.startswith("  "):  # the licence header
                    continue
                head, _, gloss = raw.partition(" | ")
                fields = head.split()
                word = fields[4].replace("_", " ")
                if part == "adj" and word.endswith(")"):  # "galore(ip)": a syntactic marker
                    word = word[: word.rfind("(")]
                lines.append(f"{word}: {gloss.strip()}")
    return lines


class Llama(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, heads, kv_heads, intermediate):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            b = torch.nn.Module()
            b.attn_norm = torch.nn.Parameter(torch.ones(hidden))
            b.q = torch.nn.Linear(hidden, heads * self.head_dim, bias=False)
            b.k = torch.nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
            b.v = torch.nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
            b.o = torch.nn.Linear(heads * self.head_dim, hidden, bias=False)
            b.mlp_norm = torch.nn.Parameter(torch.ones(hidden))
            b.gate = torch.nn.Linear(hidden, intermediate, bias=False)
            b.up = torch.nn.Linear(hidden, intermediate, bias=False)
            b.down = torch.nn.Linear(intermediate, hidden, bias=False)
            self.blocks.append(b)
        self.norm = torch.nn.Parameter(torch.ones(hidden))
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("o.weight", "down.weight")) else 0.02
                torch.nn.init.normal_(p, std=std)
        inv = 1.0 / ROPE_THETA ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim)
        freqs = torch.outer(torch.arange(CONTEXT).float(), inv)
        emb = torch.cat([freqs, freqs], dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.register_buffer("causal", torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1), persistent=False)

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w

    def rope(self, x, t):
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos[:t] + rotated * self.sin[:t]

    def forward(self, ids):
        b, t = ids.shape
        x = self.embed(ids)
        group = self.heads // self.kv_heads
        for blk in self.blocks:
            h = self.rms(x, blk.attn_norm)
            q = blk.q(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
            k = blk.k(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
            v = blk.v(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
            q, k = self.rope(q, t), self.rope(k, t)
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
            s = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + self.causal[:t, :t]
            a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
            x = x + blk.o(a)
            h = self.rms(x, blk.mlp_norm)
            x = x + blk.down(F.silu(blk.gate(h)) * blk.up(h))
        return self.rms(x, self.norm) @ self.embed.weight.T  # tied LM head


def hf_tensors(model):
    """The weights under Hugging Face's LlamaForCausalLM names."""
    out = {"model.embed_tokens.weight": model.embed.weight}
    for i, b in enumerate(model.blocks):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = b.attn_norm
        out[p + "post_attention_layernorm.weight"] = b.mlp_norm
        for ours, theirs in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("o", "o_proj")):
            out[p + f"self_attn.{theirs}.weight"] = getattr(b, ours).weight
        for ours in ("gate", "up", "down"):
            out[p + f"mlp.{ours}_proj.weight"] = getattr(b, ours).weight
    out["model.norm.weight"] = model.norm
    return out


def write_safetensors(path, tensors):
    """The safetensors layout: u64 header length, JSON header, raw data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float16).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F16", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_config(path, cfg):
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": cfg["hidden"],
        "intermediate_size": cfg["intermediate"],
        "num_attention_heads": cfg["heads"],
        "num_key_value_heads": cfg["kv_heads"],
        "num_hidden_layers": cfg["layers"],
        "rms_norm_eps": EPS,
        "rope_theta": ROPE_THETA,
        "vocab_size": VOCAB,
        "max_position_embeddings": 512,
        "tie_word_embeddings": True,
        "torch_dtype": "float16",
        "hidden_act": "silu",
        "bos_token_id": BOS,
        "eos_token_id": EOS,
    }
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def held_out_perplexity(model, lines_ids):
    """exp of the mean negative log-likelihood of every held-out line's
    tokens and its end-of-sequence, each line alone after <s>."""
    nll, count = 0.0, 0
    with torch.no_grad():
        for ids in lines_ids:
            seq = torch.tensor([[BOS] + ids[: CONTEXT - 2] + [EOS]])
            logits = model(seq[:, :-1]).double()
            nll += F.cross_entropy(logits[0], seq[0, 1:], reduction="sum").item()
            count += seq.shape[1] - 1
    return math.exp(nll / count)


def train(name, cfg, stream, held, seed, out):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Llama(VOCAB, cfg["hidden"], cfg["layers"], cfg["heads"], cfg["kv_heads"], cfg["intermediate"])
    decay = [p for p in model.parameters() if p.dim() == 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
        lr=LR, betas=(0.9, 0.95))
    steps = cfg["steps"]
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params / 1e6:.2f} M parameters, {steps} steps of {BATCH} x {CONTEXT} tokens", flush=True)
    start = time.time()
    for step in range(steps):
        lr = LR * (step + 1) / WARMUP if step < WARMUP else \
            LR * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (steps - WARMUP)))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = rng.integers(0, len(stream) - CONTEXT - 1, BATCH)
        batch = torch.from_numpy(np.stack([stream[s: s + CONTEXT + 1] for s in starts]).astype(np.int64))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"  step {step:5d}  loss {loss.item():.3f}  lr {lr:.2e}  {time.time() - start:6.0f} s", flush=True)
    model.eval()
    ppl = held_out_perplexity(model, held)
    minutes = (time.time() - start) / 60
    print(f"{name}: held-out perplexity {ppl:.2f} (torch, float32 weights) after {minutes:.1f} min", flush=True)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), hf_tensors(model))
    write_config(os.path.join(folder, "config.json"), cfg)
    return {"parameters": params, "steps": steps, "minutes": round(minutes, 1), "torch_ppl_f32": round(ppl, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="resources/models")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    lines = wordnet_lines()
    random.Random(args.seed).shuffle(lines)
    held_lines, train_lines = lines[:HELD_OUT], lines[HELD_OUT:]
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(held_lines) + "\n")
    corpus = os.path.join(args.out, ".train-corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(train_lines) + "\n")

    # One thread: SentencePiece's BPE merges are then the same on every run.
    prefix = os.path.join(args.out, "tokenizer")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=VOCAB, model_type="bpe", byte_fallback=True,
        character_coverage=1.0, num_threads=1, bos_id=BOS, eos_id=EOS, unk_id=0, pad_id=-1,
        input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2)
    os.remove(corpus)
    os.remove(prefix + ".vocab")
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    train_ids = sp.encode(train_lines)
    stream = np.fromiter((t for ids in train_ids for t in [BOS] + ids + [EOS]), dtype=np.int32)
    held = sp.encode(held_lines)
    print(f"corpus: {len(train_lines)} training lines, {len(stream)} tokens; {len(held_lines)} held out", flush=True)

    summary = {"seed": args.seed, "corpus_lines": len(lines), "train_lines": len(train_lines),
               "train_tokens": int(len(stream)), "held_out_lines": len(held_lines), "models": {}}
    for name, cfg in MODELS.items():
        summary["models"][name] = train(name, cfg, stream, held, args.seed, args.out)
        with open(prefix + ".model", "rb") as src, \
                open(os.path.join(args.out, name, "tokenizer.model"), "wb") as dst:
            dst.write(src.read())
    os.remove(prefix + ".model")
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
