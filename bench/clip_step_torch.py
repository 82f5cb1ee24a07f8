"""PyTorch twin of vlalign's `clip-bench` DualEncoder training step (the peer for `pnpm bench`).

Same architecture and parameter count as packages/core/src/models/presets/dual-encoder-clip-bench.json
plus the clip plugin's learnable logit scale: ViT (32x32 images, 8x8 patches -> Linear 192->128,
learned positions, 2 pre-LN blocks with separate q/k/v/out projections, 4 heads, MLP 512 with tanh
GELU, final LayerNorm, mean pool), causal text encoder (vocab 512, length 16, 2 blocks, final LN,
last-token pool), bias-free 128->128 projections, symmetric InfoNCE, AdamW lr 1e-3.

Usage: python3 clip_step_torch.py [--steps 20] [--warmup 5] [--threads 2]
Prints one JSON line: {"median_ms", "min_ms", "max_ms", "params", "torch", "threads", "blas_build", "max_rss_mb"}.
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
    def __init__(self, d, heads, mlp, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.ln1(x)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        if self.causal:
            att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Clip(nn.Module):
    def __init__(self, width=128, layers=2, heads=4, mlp=512, vocab=512, length=16, image=32, patch=8, embed=128):
        super().__init__()
        self.patch = patch
        n = (image // patch) ** 2
        self.patch_embed = nn.Linear(patch * patch * 3, width)
        self.vpos = nn.Parameter(torch.randn(n, width) * 0.02)
        self.vblocks = nn.ModuleList(Block(width, heads, mlp, False) for _ in range(layers))
        self.vln = nn.LayerNorm(width)
        self.tok = nn.Embedding(vocab, width)
        self.tpos = nn.Parameter(torch.randn(length, width) * 0.02)
        self.tblocks = nn.ModuleList(Block(width, heads, mlp, True) for _ in range(layers))
        self.tln = nn.LayerNorm(width)
        self.image_proj = nn.Linear(width, embed, bias=False)
        self.text_proj = nn.Linear(width, embed, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_image(self, x):
        b, h, w, c = x.shape
        p = self.patch
        x = x.view(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, -1, p * p * c)
        x = self.patch_embed(x) + self.vpos
        for blk in self.vblocks:
            x = blk(x)
        return self.image_proj(self.vln(x).mean(1))

    def encode_text(self, ids):
        x = self.tok(ids) + self.tpos
        for blk in self.tblocks:
            x = blk(x)
        return self.text_proj(self.tln(x)[:, -1])

    def loss(self, images, ids):
        i = F.normalize(self.encode_image(images), dim=-1)
        t = F.normalize(self.encode_text(ids), dim=-1)
        logits = self.logit_scale.exp().clamp(max=100) * i @ t.T
        labels = torch.arange(images.shape[0])
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = Clip()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    images = torch.rand(args.batch, 32, 32, 3) * 2 - 1
    ids = torch.randint(0, 512, (args.batch, 16))
    times = []
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(images, ids)
        loss.backward()
        opt.step()
        loss.item()
        if step >= args.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    blas = "unknown"
    try:
        cfg = torch.__config__.show()
        blas = "openblas" if "openblas" in cfg.lower() else "system libblas"
    except Exception:  # noqa: BLE001 - informational only
        pass
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "params": params,
                      "torch": torch.__version__, "threads": args.threads, "blas_build": blas,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
