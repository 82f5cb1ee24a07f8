"""PyTorch twin of vlalign's tiny VLM captioning training step (the peer of bench/caption-step.mjs).

Same architecture and parameter count as packages/core/src/models/presets/vlm-tiny.json: ViT (64x64
images, 8x8 patches -> Linear 192->64, learned positions, 2 pre-LN blocks with q/k/v/out projections,
4 heads, MLP 256 with tanh GELU, final LayerNorm) whose 64 patch tokens go through a projector MLP
(64 -> 64 -> 64, GELU) as a prefix of a causal LM (vocabulary 512, 128 learned positions, width 64,
2 blocks, final LN, bias-free lm_head). Loss: mean next-token cross-entropy over the caption tokens
(labels -100 elsewhere), logits at the text positions only, as core's captioning plugin computes it;
AdamW lr 1e-3, weight decay 0.01. Batch 16 with 32-token captions (lengths 20-32, padded, padding
masked out of attention).

Usage: python3 caption_step_torch.py [--steps 20] [--warmup 5] [--threads 2]
Prints one JSON line: {"median_ms", "min_ms", "max_ms", "params", "torch", "threads", "max_rss_mb"}.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x, bias=None):
        b, t, d = x.shape
        h = self.ln1(x)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        if bias is not None:
            att = att + bias
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class TinyVLM(nn.Module):
    def __init__(self, image=64, patch=8, vwidth=64, vlayers=2, heads=4, vmlp=256, projector=64, vocab=512, max_len=128, width=64, layers=2, mlp=256):
        super().__init__()
        self.patch = patch
        n = (image // patch) ** 2
        self.patch_embed = nn.Linear(patch * patch * 3, vwidth)
        self.vpos = nn.Parameter(torch.randn(n, vwidth) * 0.02)
        self.vblocks = nn.ModuleList(Block(vwidth, heads, vmlp) for _ in range(vlayers))
        self.vln = nn.LayerNorm(vwidth)
        self.proj1, self.proj2 = nn.Linear(vwidth, projector), nn.Linear(projector, width)
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(max_len, width) * 0.01)
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)

    def loss(self, images, ids, mask, labels):
        b, h, w, c = images.shape
        p = self.patch
        x = images.view(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, -1, p * p * c)
        x = self.patch_embed(x) + self.vpos
        for blk in self.vblocks:
            x = blk(x)
        visual = self.proj2(F.gelu(self.proj1(self.vln(x)), approximate="tanh"))
        nv, t = visual.shape[1], ids.shape[1]
        x = torch.cat([visual, self.tok(ids)], 1) + self.pos[: nv + t]
        keys = torch.cat([torch.ones(b, nv), mask], 1)
        causal = torch.triu(torch.ones(nv + t, nv + t, dtype=torch.bool), 1)
        bias = torch.zeros(b, 1, nv + t, nv + t).masked_fill(causal | (keys[:, None, None, :] == 0), -1e9)
        for blk in self.blocks:
            x = blk(x, bias)
        logits = self.lm_head(self.ln_f(x[:, nv:]))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def batch(size=16, length=32):
    ids = torch.zeros(size, length, dtype=torch.long)
    labels = torch.full((size, length), -100, dtype=torch.long)
    mask = torch.zeros(size, length)
    g = torch.Generator().manual_seed(1)
    for b in range(size):
        n = 20 + b % 13
        ids[b, :n] = torch.randint(4, 512, (n,), generator=g)
        ids[b, 0], ids[b, n - 1] = 1, 2
        mask[b, :n] = 1
        labels[b, : n - 1] = ids[b, 1:n]
    return ids, mask, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = TinyVLM()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    images = torch.rand(16, 64, 64, 3) * 2 - 1
    ids, mask, labels = batch()
    times = []
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(images, ids, mask, labels)
        loss.backward()
        opt.step()
        loss.item()
        if step >= args.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "params": params, "torch": torch.__version__,
                      "threads": args.threads, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
