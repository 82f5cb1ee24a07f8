"""Prints run 4's tables from the results JSONs in this folder: python3 report.py"""
import glob, json, os, statistics as st

here = os.path.dirname(os.path.abspath(__file__))
pct = lambda v: f"{v * 100:.1f}"

print('## Validation (seeds 4, 5; CHAIR test 700-1199, POPE test 700-763)\n')
print('| run | seed | pairs caption + question (chosen yes / no) | CHAIR_i % SFT / DPO | CHAIR_s % SFT / DPO | mentions SFT / DPO | POPE F1 % SFT / DPO | POPE acc % SFT / DPO | yes-ratio % SFT / DPO | unanswered % DPO |')
print('|---|---|---|---|---|---|---|---|---|---|')
for f in sorted(glob.glob(os.path.join(here, 'val-*.json'))):
    r = json.load(open(f))
    name = os.path.basename(f)[:-5]
    for s in r['seeds']:
        p, d, t = s['pairs'], s['dpo'], s['sft']
        g = lambda k: f"{pct(t[k])} / {pct(d[k])}"
        print(f"| {name} | {s['seed']} | {p.get('captionPairs', p['kept'])} + {p.get('questionPairs', 0)} ({p.get('questionChosenYes', 0)} / {p.get('questionChosenNo', 0)}) | {g('chair_i')} | {g('chair_s')} | {t['chair_mentions']:.2f} / {d['chair_mentions']:.2f} | {g('pope_f1')} | {g('pope_accuracy')} | {g('pope_yes_ratio')} | {pct(d['pope_unanswered'])} |")

for f in sorted(glob.glob(os.path.join(here, 'final-*.json'))):
    r = json.load(open(f))
    print(f"\n## {os.path.basename(f)[:-5]} (seeds {r['settings']['seeds']}; CHAIR test 200-699, POPE test 200-263)\n")
    b, S = r['baseline'], r['seeds']
    ms = lambda arm, k, m=100: f"{st.mean(s[arm][k] for s in S) * m:.{1 if m == 100 else 2}f} ± {st.pstdev([s[arm][k] for s in S]) * m:.{1 if m == 100 else 2}f}"
    print('| metric | SFT start | + SFT (caption + QA) | + SeVa DPO (mixed pairs) |\n|---|---|---|---|')
    for name, k, m in [('CHAIR_i (%) ↓', 'chair_i', 100), ('CHAIR_s (%) ↓', 'chair_s', 100), ('object mentions per caption', 'chair_mentions', 1), ('POPE F1 (%), first token', 'pope_f1', 100), ('POPE accuracy (%), first token', 'pope_accuracy', 100), ('POPE yes-ratio (%)', 'pope_yes_ratio', 100), ('POPE unanswered (%)', 'pope_unanswered', 100), ('POPE F1 (%), yes-vs-no logit', 'pope_cmp_f1', 100), ('POPE accuracy (%), yes-vs-no logit', 'pope_cmp_accuracy', 100)]:
        print(f"| {name} | {b[k] * m:.{1 if m == 100 else 2}f} | {ms('sft', k, m)} | {ms('dpo', k, m)} |")
    print('\n| seed | + SFT: CHAIR_i / CHAIR_s / mentions / POPE F1 / POPE acc | + SeVa DPO: same | pairs kept: caption + question (question chosen yes / no) / images | identical dropped |\n|---|---|---|---|---|')
    for s in S:
        row = lambda a: f"{pct(s[a]['chair_i'])} / {pct(s[a]['chair_s'])} / {s[a]['chair_mentions']:.2f} / {pct(s[a]['pope_f1'])} / {pct(s[a]['pope_accuracy'])}"
        p = s['pairs']
        print(f"| {s['seed']} | {row('sft')} | {row('dpo')} | {p['kept']}: {p['captionPairs']} + {p['questionPairs']} ({p['questionChosenYes']} / {p['questionChosenNo']}) / {p['images']} | {p['dropped']} |")
    print('\nDPO reward curves (mean of the 4 logged steps ending at 4 / 40 / 80 / 120; batches mix caption and question pairs):\n')
    print('| seed | rewards/accuracies | rewards/margins | rewards/chosen | rewards/rejected | logps/chosen | logps/rejected |\n|---|---|---|---|---|---|---|')
    for s in S:
        c = s['rewards']
        def at(k, step):
            xs = [x[k] for x in c if step - 16 < x['step'] <= step] if step > 4 else [x[k] for x in c if x['step'] <= 4]
            return st.mean(xs[-4:]) if xs else float('nan')
        cells = []
        for k, n in [('accuracy', 2), ('margin', 2), ('chosen', 2), ('rejected', 2), ('logpsChosen', 1), ('logpsRejected', 1)]:
            cells.append(' / '.join(f"{at(k, st_):.{n}f}" for st_ in (4, 40, 80, 120)))
        print(f"| {s['seed']} | " + ' | '.join(cells) + ' |')
