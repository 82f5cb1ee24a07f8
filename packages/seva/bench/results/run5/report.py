"""Prints run 5's tables from the results JSONs in this folder: python3 report.py"""
import glob, json, os, statistics as st

here = os.path.dirname(os.path.abspath(__file__))
pct = lambda v: f"{v * 100:.1f}"
d1 = lambda v: f"{v * 100:+.1f}"

def passes(r):
    """The selection rule (selection-rule.md): lower CHAIR_i and CHAIR_s, POPE F1 (64 images) not lower, on every seed."""
    S = r['seeds']
    chair = all(s['dpo']['chair_i'] < s['sft']['chair_i'] and s['dpo']['chair_s'] < s['sft']['chair_s'] for s in S)
    pope = all(s['dpo']['pope_f1'] >= s['sft']['pope_f1'] for s in S)
    return chair, pope

print('## Validation (seeds 4, 5; CHAIR test 700-1199, POPE test 700-763; POPE-300 test 700-999)\n')
print('Differences DPO - SFT per seed (4 / 5), points.\n')
print('| run | w | lr | beta | CHAIR_i | CHAIR_s | POPE F1 | POPE acc | POPE-300 F1 | POPE-300 acc | mentions SFT / DPO | passes CHAIR / POPE |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|')
for f in sorted(glob.glob(os.path.join(here, 'val-*.json'))):
    r = json.load(open(f))
    name, S, c = os.path.basename(f)[:-5], r['seeds'], r['settings']
    g = lambda k: ' / '.join(d1(s['dpo'][k] - s['sft'][k]) for s in S) if all(k in s['dpo'] for s in S) else '-'
    m = ' ; '.join(f"{s['sft']['chair_mentions']:.2f} / {s['dpo']['chair_mentions']:.2f}" for s in S)
    ch, po = passes(r)
    print(f"| {name} | {c.get('dpoSftWeight', 0)} | {c['lr']} | {c['beta']} | {g('chair_i')} | {g('chair_s')} | {g('pope_f1')} | {g('pope_accuracy')} | {g('pope_x_f1')} | {g('pope_x_accuracy')} | {m} | {'yes' if ch else 'no'} / {'yes' if po else 'no'} |")

print('\nPer seed, absolute (SFT / DPO): CHAIR_i, CHAIR_s, POPE F1, POPE yes-ratio, POPE-300 F1\n')
print('| run | seed | CHAIR_i | CHAIR_s | POPE F1 | POPE yes-ratio | POPE-300 F1 |\n|---|---|---|---|---|---|---|')
for f in sorted(glob.glob(os.path.join(here, 'val-*.json'))):
    r = json.load(open(f))
    for s in r['seeds']:
        g = lambda k: f"{pct(s['sft'][k])} / {pct(s['dpo'][k])}" if k in s['dpo'] else '-'
        print(f"| {os.path.basename(f)[:-5]} | {s['seed']} | {g('chair_i')} | {g('chair_s')} | {g('pope_f1')} | {g('pope_yes_ratio')} | {g('pope_x_f1')} |")

def at(c, k, step):
    xs = [x[k] for x in c if step - 16 < x['step'] <= step] if step > 4 else [x[k] for x in c if x['step'] <= 4]
    xs = [x for x in xs[-4:] if x is not None]
    return st.mean(xs) if xs else float('nan')

for f in sorted(glob.glob(os.path.join(here, 'final-*.json'))):
    r = json.load(open(f))
    print(f"\n## {os.path.basename(f)[:-5]} (seeds {r['settings']['seeds']}; CHAIR test 200-699, POPE test 200-263, POPE-300 test 200-499; {r.get('seconds')} s)\n")
    b, S = r['baseline'], r['seeds']
    ms = lambda arm, k, m=100: f"{st.mean(s[arm][k] for s in S) * m:.{1 if m == 100 else 2}f} ± {st.pstdev([s[arm][k] for s in S]) * m:.{1 if m == 100 else 2}f}"
    print('| metric | SFT start | + SFT (caption + QA) | + SeVa DPO + w x SFT loss |\n|---|---|---|---|')
    for name, k, m in [('CHAIR_i (%) ↓', 'chair_i', 100), ('CHAIR_s (%) ↓', 'chair_s', 100), ('object mentions per caption', 'chair_mentions', 1), ('POPE F1 (%), first token', 'pope_f1', 100), ('POPE accuracy (%), first token', 'pope_accuracy', 100), ('POPE yes-ratio (%)', 'pope_yes_ratio', 100), ('POPE unanswered (%)', 'pope_unanswered', 100), ('POPE F1 (%), yes-vs-no logit', 'pope_cmp_f1', 100), ('POPE accuracy (%), yes-vs-no logit', 'pope_cmp_accuracy', 100), ('POPE-300 F1 (%), first token', 'pope_x_f1', 100), ('POPE-300 accuracy (%)', 'pope_x_accuracy', 100), ('POPE-300 yes-ratio (%)', 'pope_x_yes_ratio', 100)]:
        if k in b:
            print(f"| {name} | {b[k] * m:.{1 if m == 100 else 2}f} | {ms('sft', k, m)} | {ms('dpo', k, m)} |")
    print('\n| seed | + SFT: CHAIR_i / CHAIR_s / mentions / POPE F1 / POPE acc / yes-ratio / POPE-300 F1 | + DPO: same | DPO - SFT: CHAIR_i / CHAIR_s / POPE F1 / POPE-300 F1 | pairs kept: caption + question (question chosen yes / no) / images | identical dropped |\n|---|---|---|---|---|---|')
    for s in S:
        row = lambda a: f"{pct(s[a]['chair_i'])} / {pct(s[a]['chair_s'])} / {s[a]['chair_mentions']:.2f} / {pct(s[a]['pope_f1'])} / {pct(s[a]['pope_accuracy'])} / {pct(s[a]['pope_yes_ratio'])} / {pct(s[a]['pope_x_f1'])}"
        dd = ' / '.join(d1(s['dpo'][k] - s['sft'][k]) for k in ('chair_i', 'chair_s', 'pope_f1', 'pope_x_f1'))
        p = s['pairs']
        print(f"| {s['seed']} | {row('sft')} | {row('dpo')} | {dd} | {p['kept']}: {p['captionPairs']} + {p['questionPairs']} ({p['questionChosenYes']} / {p['questionChosenNo']}) / {p['images']} | {p['dropped']} |")
    print('\nDPO reward curves (mean of the 4 logged steps ending at 4 / 40 / 80 / 120):\n')
    print('| seed | rewards/accuracies | rewards/margins | rewards/chosen | rewards/rejected | logps/chosen | logps/rejected |\n|---|---|---|---|---|---|---|')
    for s in S:
        c = s['rewards']
        cells = [' / '.join(f"{at(c, k, t):.{n}f}" for t in (4, 40, 80, 120)) for k, n in [('accuracy', 2), ('margin', 2), ('chosen', 2), ('rejected', 2), ('logpsChosen', 1), ('logpsRejected', 1)]]
        print(f"| {s['seed']} | " + ' | '.join(cells) + ' |')
    print('\nSupervised losses at steps 4 / 40 / 80 / 120 (same batches in both arms):\n')
    print('| seed | captioning loss, SFT arm | captioning loss, DPO arm | QA loss, SFT arm | QA loss, DPO arm |\n|---|---|---|---|---|')
    for s in S:
        cs, cd = s['sftLosses'], s['rewards']
        f4 = lambda c, k: ' / '.join(f"{at(c, k, t):.3f}" for t in (4, 40, 80, 120))
        print(f"| {s['seed']} | {f4(cs, 'captionLoss')} | {f4(cd, 'captionLoss')} | {f4(cs, 'qaLoss')} | {f4(cd, 'qaLoss')} |")

f = os.path.join(here, 'run4-final-pope300.json')
if os.path.exists(f):
    r = json.load(open(f))
    print("\n## Run 4's final setting (plain DPO arm) re-evaluated with POPE-300 (its checkpoints, test 200-499)\n")
    print('| seed | CHAIR_i SFT / DPO | POPE F1 SFT / DPO | POPE-300 F1 SFT / DPO | POPE-300 acc SFT / DPO | POPE-300 yes-ratio SFT / DPO |\n|---|---|---|---|---|---|')
    for s in r['seeds']:
        g = lambda k: f"{pct(s['sft'][k])} / {pct(s['dpo'][k])}"
        print(f"| {s['seed']} | {g('chair_i')} | {g('pope_f1')} | {g('pope_x_f1')} | {g('pope_x_accuracy')} | {g('pope_x_yes_ratio')} |")
