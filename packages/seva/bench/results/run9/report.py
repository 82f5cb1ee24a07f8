"""Prints runs 9 and 9b's tables (rule.md, rule-9b.md) from the JSONs in this folder: /usr/bin/python3 report.py

bench-s123.json / bench-s678.json: seva-vs-sft.mjs results (arms sft, sft-r = sftReplicate, dpo, dpo-r = dpoReplicate);
pope-large-9.json: POPE-1800 of start, sft, sft-r, dpo; pope-large-9b.json: POPE-1800 of sft, sft-r, dpo, dpo-r.
"""
import json, math, os, statistics as st

here = os.path.dirname(os.path.abspath(__file__))
load = lambda f: json.load(open(os.path.join(here, f)))
bench = {s['seed']: s for f in ('bench-s123.json', 'bench-s678.json') for s in load(f)['seeds']}
arm_key = {'sft': 'sft', 'sft-r': 'sftReplicate', 'dpo': 'dpo', 'dpo-r': 'dpoReplicate'}
p9 = {s['seed']: s for s in load('pope-large-9.json')['seeds']}
p9b = {s['seed']: s for s in load('pope-large-9b.json')['seeds']}
seeds = sorted(bench)
T5 = 2.5706  # two-sided 95 % t quantile, df 5

def pope(seed, arm):
    return p9b[seed][arm] if arm in p9b[seed] else p9[seed][arm]

def metric(seed, arm, k):
    if k.startswith('p1800_'):
        return pope(seed, arm)[k[6:]]
    return bench[seed][arm_key[arm]].get(k, float('nan'))

def interval(xs):
    m = st.mean(xs)
    h = T5 * st.stdev(xs) / math.sqrt(len(xs))
    return m, m - h, m + h

# the POPE-1800 answers of sft, sft-r and dpo are computed twice (runs 9 and 9b); they must agree
for s in seeds:
    for arm in ('sft', 'sft-r', 'dpo'):
        assert p9[s][arm] == p9b[s][arm], f'seed {s} {arm}: runs 9 and 9b disagree'

names = [('CHAIR_i', 'chair_i'), ('CHAIR_s', 'chair_s'), ('coverage', 'chair_coverage'), ('mentions', 'chair_mentions'),
         ('POPE-300 F1', 'pope_x_f1'), ('POPE-1800 F1', 'p1800_f1'), ('POPE-1800 acc', 'p1800_accuracy'), ('POPE-1800 yes', 'p1800_yesRatio')]
scale = lambda k: 1 if k == 'chair_mentions' else 100

print('## Per seed, absolute: sft / sft-r / dpo / dpo-r\n')
print('| seed | ' + ' | '.join(n for n, _ in names) + ' |')
print('|---|' + '---|' * len(names))
for s in seeds:
    cells = []
    for _, k in names:
        f = scale(k)
        cells.append(' / '.join(f"{metric(s, a, k) * f:.2f}" for a in ('sft', 'sft-r', 'dpo', 'dpo-r')))
    print(f'| {s} | ' + ' | '.join(cells) + ' |')
print(f"\nPOPE-1800 F1 of the SFT start: {p9[seeds[0]]['start']['f1'] * 100:.2f} (accuracy {p9[seeds[0]]['start']['accuracy'] * 100:.2f})\n")

print('## Differences per seed (points): sft-r − sft (noise floor) | dpo − sft | dpo-r − sft-r\n')
print('| measure | ' + ' | '.join(f'seed {s}' for s in seeds) + ' | DPO lower in | mean of per-seed DPO − SFT, 95 % t-interval (df 5) |')
print('|---|' + '---|' * len(seeds) + '---|---|')
summary = {}
for n, k in names:
    f = scale(k)
    noise = [(metric(s, 'sft-r', k) - metric(s, 'sft', k)) * f for s in seeds]
    d1 = [(metric(s, 'dpo', k) - metric(s, 'sft', k)) * f for s in seeds]
    d2 = [(metric(s, 'dpo-r', k) - metric(s, 'sft-r', k)) * f for s in seeds]
    if any(math.isnan(x) for x in d1 + d2 + noise):
        continue
    per_seed = [(a + b) / 2 for a, b in zip(d1, d2)]
    m, lo, hi = interval(per_seed)
    summary[k] = {'noise': noise, 'd1': d1, 'd2': d2, 'mean': m, 'lo': lo, 'hi': hi}
    cells = [f'{a:+.2f} \\| {b:+.2f} \\| {c:+.2f}' for a, b, c in zip(noise, d1, d2)]
    lower = sum(x < 0 for x in d1 + d2)
    print(f'| {n} | ' + ' | '.join(cells) + f' | {lower} of 12 | {m:+.2f} [{lo:+.2f}, {hi:+.2f}] |')

noise = summary['p1800_f1']['noise']
margin = st.median(abs(x) for x in noise)
print(f"\nNoise floor m = median |sft-r − sft| of POPE-1800 F1 = {margin:.2f} points "
      f"(sft-r lower than sft on {sum(x < 0 for x in noise)} of {len(noise)} seeds; sd {st.stdev(noise):.2f}).")
p = summary['p1800_f1']
print(f"Proposed reading (rule-9b.md): POPE non-inferior if the interval's lower end {p['lo']:+.2f} > −m = {-margin:+.2f}: "
      f"{'yes' if p['lo'] > -margin else 'no'}.")
for k, n in (('chair_i', 'CHAIR_i'), ('chair_s', 'CHAIR_s')):
    print(f"{n} lower if the interval's upper end {summary[k]['hi']:+.2f} < 0: {'yes' if summary[k]['hi'] < 0 else 'no'}.")
print('\nPaired POPE-1800 disagreements (probes; first arm right / second arm right):')
for s in seeds:
    print(f'- seed {s}: ' + '; '.join(f"{pair} {v['differ']} ({v['right']} / {v['baseRight']})" for pair, v in p9b[s]['paired'].items()))
