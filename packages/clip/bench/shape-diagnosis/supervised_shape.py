"""Can the same ViT learn shapes at all? Trains it supervised (7-way shape classification of the
single-object training scenes, batch 64, AdamW 1e-3) and prints test shape accuracy every 100 steps.
Usage: /usr/bin/python3 supervised_shape.py --train /tmp/shapes/train --test /tmp/shapes/test
"""
import sys, json, math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.argv = ['x', '--steps', '0'] + sys.argv[1:]
exec(open(__file__.replace('supervised_shape.py', 'clip_twin.py')).read().split('m = Model(a.width)')[0])
m = Model(a.width)
trj = json.load(open(a.train + '.json')); shapes = sorted({l.split()[1] for l in trj['labels'] if l})
idx = torch.tensor([i for i, l in enumerate(trj['labels']) if l]); tidx = [i for i, l in enumerate(tej['labels']) if l]
y = torch.tensor([shapes.index(trj['labels'][i].split()[1]) for i in idx.tolist()]); yte = torch.tensor([shapes.index(tej['labels'][i].split()[1]) for i in tidx])
head = nn.Linear(64, len(shapes)); opt = torch.optim.AdamW(list(m.parameters()) + list(head.parameters()), lr=1e-3, weight_decay=0.1)
print('single-object train images', len(idx))
for step in range(600):
    b = torch.randint(0, len(idx), (64,)); loss = F.cross_entropy(head(m.img(tri[idx[b]])), y[b]); opt.zero_grad(); loss.backward(); opt.step()
    if (step + 1) % 100 == 0:
        with torch.no_grad(): acc = (head(m.img(tei[tidx])).argmax(1) == yte).float().mean().item()
        print(step + 1, round(loss.item(), 3), 'test shape acc', round(acc, 3), flush=True)
