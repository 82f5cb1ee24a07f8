"""PyTorch twin of examples/clip.yaml's dual encoder, for fast diagnosis of what limits zero-shot
accuracy (not a test fixture). Data from dump-shapes.mjs. Prints retrieval/zero-shot metrics (and the
zero-shot accuracy on colour alone and shape alone) every --eval_every steps, then a linear probe of
the image features for the shape. Variants: --stem linear|hmlp|spt|conv (--stemnorm gn|ln|in), --single F (share of each batch from single-object scenes), --patch, --width, --pool mean|max, --init torch|vlalign|vlalign-linear|vlalign-embed (PyTorch default inits, or vlalign's truncated normal 0.02 on Linear and Embedding weights, or on one kind only), --neg 1 (NegCLIP-style hard
negative captions: one shape word swapped for another, extra negatives in the image->text loss).
Usage: /usr/bin/python3 clip_twin.py --train /tmp/shapes/train --test /tmp/shapes/test --steps 800
"""
import argparse, json, math, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
ap = argparse.ArgumentParser()
ap.add_argument('--width', type=int, default=64); ap.add_argument('--layers', type=int, default=2)
ap.add_argument('--tlayers', type=int, default=2); ap.add_argument('--patch', type=int, default=8)
ap.add_argument('--stem', default='linear'); ap.add_argument('--steps', type=int, default=800)
ap.add_argument('--batch', type=int, default=64); ap.add_argument('--lr', type=float, default=1e-3)
ap.add_argument('--wd', type=float, default=0.1); ap.add_argument('--warmup', type=int, default=50)
ap.add_argument('--pool', default='mean'); ap.add_argument('--eval_every', type=int, default=200)
ap.add_argument('--train', default='/tmp/shapes/train'); ap.add_argument('--test', default='/tmp/shapes/test'); ap.add_argument('--neg', type=int, default=0); ap.add_argument('--stemnorm', default='gn'); ap.add_argument('--single', type=float, default=0); ap.add_argument('--threads', type=int, default=1); ap.add_argument('--ntrain', type=int, default=20000); ap.add_argument('--init', default='torch')
a = ap.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(0)
L = 32
def load(p, n):
    img = np.fromfile(p + '.img', np.uint8).reshape(n, 64, 64, 3); cap = np.fromfile(p + '.cap', np.int32).reshape(n, 3, L)
    return torch.from_numpy(img), torch.from_numpy(cap.astype(np.int64)), json.load(open(p + '.json'))
tri, trc, _ = load(a.train, 20000); tei, tec, tej = load(a.test, 1000)
tri, trc = tri[:a.ntrain], trc[:a.ntrain]
V = tej['vocab']
class LN2d(nn.LayerNorm):  # per-position LayerNorm over channels of an NCHW map
    def forward(s, x): return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
class Block(nn.Module):
    def __init__(s, d, h, m, causal):
        super().__init__(); s.h, s.c = h, causal; s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.qkv = nn.Linear(d, 3 * d); s.o = nn.Linear(d, d); s.fc1, s.fc2 = nn.Linear(d, m), nn.Linear(m, d)
    def forward(s, x, pad=None):
        b, t, d = x.shape; q, k, v = s.qkv(s.ln1(x)).view(b, t, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        att = q @ k.transpose(-1, -2) / math.sqrt(d // s.h)
        if s.c: att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float('-inf'))
        x = x + s.o((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
        return x + s.fc2(F.gelu(s.fc1(s.ln2(x)), approximate='tanh'))
class Model(nn.Module):
    def __init__(s, w):
        super().__init__(); p = a.patch; n = (64 // p) ** 2
        if a.stem == 'linear': s.pe = nn.Linear(p * p * 3, w)
        elif a.stem == 'conv':  # early convolutions (Xiao et al. 2021): 3x3 stride-2 convs down to the patch grid
            stages = int(math.log2(p)); ch = [3] + [max(w // 2 ** (stages - 1 - i), 16) for i in range(stages - 1)] + [w]
            s.pe = nn.ModuleList(nn.Conv2d(ch[i], ch[i + 1], 3, 2, 1) for i in range(stages)); s.pln = nn.ModuleList((nn.GroupNorm(1, ch[i + 1]) if a.stemnorm == 'gn' else nn.GroupNorm(ch[i + 1], ch[i + 1]) if a.stemnorm == 'in' else LN2d(ch[i + 1])) for i in range(stages - 1))
        elif a.stem == 'spt': s.pe = nn.Linear(p * p * 15, w); s.spt_ln = nn.LayerNorm(p * p * 15)
        else:  # hMLP stem: 2x2 pixel groups -> d1, 2x2 of those -> d2, ... up to the patch
            stages = int(math.log2(p)); dims = [3] + [max(w // 4, 16)] * (stages - 1) + [w]
            s.pe = nn.ModuleList(nn.Linear(4 * dims[i], dims[i + 1]) for i in range(stages)); s.pln = nn.ModuleList(nn.LayerNorm(dims[i + 1]) for i in range(stages - 1))
        s.vpos = nn.Parameter(torch.randn(n, w) * .02); s.vb = nn.ModuleList(Block(w, 4, 4 * w, False) for _ in range(a.layers)); s.vln = nn.LayerNorm(w)
        s.tok = nn.Embedding(V, w); s.tpos = nn.Parameter(torch.randn(L, w) * .02); s.tb = nn.ModuleList(Block(w, 4, 4 * w, True) for _ in range(a.tlayers)); s.tln = nn.LayerNorm(w)
        s.pool_q = nn.Parameter(torch.randn(w, 1) * .02); s.ip = nn.Linear(w, 64, bias=False); s.tp = nn.Linear(w, 64, bias=False); s.ls = nn.Parameter(torch.tensor(math.log(1 / .07)))
    def img(s, x):
        x = x.float() / 127.5 - 1; b = x.shape[0]; p = a.patch; g = 64 // p
        if a.stem == 'spt':
            h = p // 2; xp = F.pad(x.permute(0, 3, 1, 2), (h, h, h, h)).permute(0, 2, 3, 1)
            sh = [xp[:, h + dy:h + dy + 64, h + dx:h + dx + 64] for dy, dx in ((0, 0), (-h, -h), (-h, h), (h, -h), (h, h))]
            x = torch.cat(sh, -1); x = x.reshape(b, g, p, g, p, 15).permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * 15); x = s.pe(s.spt_ln(x))
        elif a.stem == 'conv':
            x = x.permute(0, 3, 1, 2)
            for i, cv in enumerate(s.pe):
                x = cv(x)
                if i < len(s.pe) - 1: x = F.gelu(s.pln[i](x), approximate='tanh')
            x = x.flatten(2).transpose(1, 2)
        elif a.stem == 'linear':
            x = x.view(b, g, p, g, p, 3).permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * 3); x = s.pe(x)
        else:
            x = x.view(b, g, p, g, p, 3).permute(0, 1, 3, 2, 4, 5).reshape(b * g * g, p, p, 3)
            for i, lin in enumerate(s.pe):
                n, h, _, c = x.shape; x = x.view(n, h // 2, 2, h // 2, 2, c).permute(0, 1, 3, 2, 4, 5).reshape(n, h // 2, h // 2, 4 * c); x = lin(x)
                if i < len(s.pe) - 1: x = F.gelu(s.pln[i](x), approximate='tanh')
            x = x.view(b, g * g, -1)
        x = x + s.vpos
        for bl in s.vb: x = bl(x)
        x = s.vln(x)
        if a.pool == 'attn':  # one learned query attends over the patch tokens (CoCa / SigLIP MAP head)
            w = (x @ s.pool_q).softmax(1); s.last_pooled = (w * x).sum(1)
        else: s.last_pooled = x.mean(1) if a.pool == 'mean' else x.max(1).values
        return s.ip(s.last_pooled)
    def txt(s, ids):
        lens = (ids != 0).sum(1) if False else None
        x = s.tok(ids) + s.tpos
        for bl in s.tb: x = bl(x)
        x = s.tln(x); last = (ids != tej['pad']).sum(1) - 1
        return s.tp(x[torch.arange(ids.shape[0]), last])
m = Model(a.width); print('params', sum(p.numel() for p in m.parameters()))
if a.init != 'torch':  # vlalign's defaults: Linear and Embedding weights truncated normal std 0.02, zero bias (conv stem keeps 1/sqrt(3 fan-in), as in vlalign); 'vlalign-linear' / 'vlalign-embed': only those
    kinds = {'vlalign': (nn.Linear, nn.Embedding), 'vlalign-linear': (nn.Linear,), 'vlalign-embed': (nn.Embedding,)}[a.init]
    for mod in m.modules():
        if isinstance(mod, kinds):
            nn.init.trunc_normal_(mod.weight, std=0.02, a=-0.04, b=0.04)
            if getattr(mod, 'bias', None) is not None: nn.init.zeros_(mod.bias)
nd = [p for n, p in m.named_parameters() if p.ndim < 2 or 'pos' in n or n == 'ls']; dd = [p for n, p in m.named_parameters() if not (p.ndim < 2 or 'pos' in n or n == 'ls')]
opt = torch.optim.AdamW([{'params': dd, 'weight_decay': a.wd}, {'params': nd, 'weight_decay': 0}], lr=a.lr)
sched = lambda s: min(1, (s + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1, s / a.steps)))
g = torch.Generator().manual_seed(1)
def evaluate():
    m.eval()
    with torch.no_grad():
        ie = F.normalize(torch.cat([m.img(tei[i:i + 200]) for i in range(0, 1000, 200)]), dim=-1)
        caps = tec.view(3000, L); te = F.normalize(torch.cat([m.txt(caps[i:i + 500]) for i in range(0, 3000, 500)]), dim=-1)
        sim = te @ ie.T; owner = torch.arange(1000).repeat_interleave(3)
        rank = (sim > sim[torch.arange(3000), owner][:, None]).sum(1)
        r = {f't2i_R@{k}': (rank < k).float().mean().item() for k in (1, 5, 10)}
        si = ie @ te.T; best = torch.stack([si[i, 3 * i:3 * i + 3].max() for i in range(1000)])
        ri = (si > best[:, None]).sum(1); r.update({f'i2t_R@{k}': (ri < k).float().mean().item() for k in (1, 5, 10)})
        cls = tej['classes']; W = []
        for c in cls:
            pr = tej['prompts'][c]; ids = torch.zeros(len(pr), L, dtype=torch.long)
            for j, q in enumerate(pr): ids[j, :len(q)] = torch.tensor(q)
            W.append(F.normalize(F.normalize(m.txt(ids), dim=-1).mean(0), dim=-1))
        W = torch.stack(W); idx = [i for i, l in enumerate(tej['labels']) if l]
        pred = (ie[idx] @ W.T).argmax(1); lab = torch.tensor([cls.index(tej['labels'][i]) for i in idx])
        r['zs_top1'] = (pred == lab).float().mean().item()
        # colour-only and shape-only accuracy of the zero-shot prediction
        r['zs_colour'] = np.mean([cls[p].split()[0] == cls[l].split()[0] for p, l in zip(pred.tolist(), lab.tolist())]); r['zs_shape'] = np.mean([cls[p].split()[1] == cls[l].split()[1] for p, l in zip(pred.tolist(), lab.tolist())])
    m.train(); return {k: round(float(v), 3) for k, v in r.items()}
SHAPE_IDS = sorted({tej['prompts'][c][0][3] for c in tej['classes']}); print('shape ids', SHAPE_IDS)
SINGLE = torch.tensor([i for i, l in enumerate(json.load(open(a.train + '.json'))['labels'][:a.ntrain]) if l])
t0 = time.time()
for step in range(a.steps):
    for q in opt.param_groups: q['lr'] = a.lr * sched(step)
    bi = torch.randint(0, a.ntrain, (a.batch,), generator=g); ci = torch.randint(0, 3, (a.batch,), generator=g)
    if a.single > 0:  # share of each batch drawn from the single-object scenes
        ns = int(a.batch * a.single); bi[:ns] = SINGLE[torch.randint(0, len(SINGLE), (ns,), generator=g)]
    caps = trc[bi, ci]
    ie = F.normalize(m.img(tri[bi]), dim=-1); te = F.normalize(m.txt(caps), dim=-1)
    logits = m.ls.exp() * ie @ te.T; lab = torch.arange(a.batch)
    if a.neg:
        neg = caps.clone(); has = torch.zeros(a.batch, dtype=torch.bool)
        for r in range(a.batch):
            pos = [j for j in range(L) if int(neg[r, j]) in SHAPE_IDS]
            if pos:
                j = pos[int(torch.randint(0, len(pos), (1,), generator=g))]; cur = int(neg[r, j])
                others = [t for t in SHAPE_IDS if t != cur]; neg[r, j] = others[int(torch.randint(0, len(others), (1,), generator=g))]; has[r] = True
        ne = F.normalize(m.txt(neg), dim=-1); nl = m.ls.exp() * ie @ ne.T
        nl = nl.masked_fill(~has[None, :], float('-inf'))
        i2t = F.cross_entropy(torch.cat([logits, nl], 1), lab)
    else: i2t = F.cross_entropy(logits, lab)
    loss = (i2t + F.cross_entropy(logits.T, lab)) / 2
    opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad(): m.ls.clamp_(0, math.log(100))
    if (step + 1) % a.eval_every == 0: print(step + 1, round(loss.item(), 3), evaluate(), f'{time.time() - t0:.0f}s', flush=True)
# linear probe: do the image features know the shape?
trj = json.load(open(a.train + '.json'))
idx = [i for i, l in enumerate(trj['labels'][:a.ntrain]) if l][:3000]; tidx = [i for i, l in enumerate(tej['labels']) if l]
shapes = sorted({l.split()[1] for l in trj['labels'] if l})
def feats(imgs):
    m.eval()
    with torch.no_grad():
        out = []
        for i in range(0, len(imgs), 200):
            proj = m.img(imgs[i:i + 200]); out.append(torch.cat([m.last_pooled, proj], -1))
        return torch.cat(out)
Xtr, Xte = feats(tri[idx]), feats(tei[tidx]); ytr = torch.tensor([shapes.index(trj['labels'][i].split()[1]) for i in idx]); yte = torch.tensor([shapes.index(tej['labels'][i].split()[1]) for i in tidx])
mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6; Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
clf = nn.Linear(Xtr.shape[1], len(shapes)); o = torch.optim.Adam(clf.parameters(), 1e-2)
for it in range(500): o.zero_grad(); l = F.cross_entropy(clf(Xtr), ytr) + 1e-3 * clf.weight.pow(2).sum(); l.backward(); o.step()
print('linear probe shape acc train', (clf(Xtr).argmax(1) == ytr).float().mean().item(), 'test', (clf(Xte).argmax(1) == yte).float().mean().item(), 'n', len(idx), len(tidx))
