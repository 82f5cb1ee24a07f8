# Tables for the README from the raw results in this folder: python3 report.py big-diffusion-t200 big-diffusion-t500 ...
# (the first run's SFT arm and baseline head the table; SeVa columns follow in argument order)
import json,sys,math,os
HERE=os.path.dirname(os.path.abspath(__file__))
def load(n): return json.load(open(os.path.join(HERE, f'{n}.json')))
def ms(xs,k=100,d=1):
    m=sum(xs)/len(xs); s=math.sqrt(sum((x-m)**2 for x in xs)/len(xs))
    return f"{m*k:.{d}f} ± {s*k:.{d}f}"
names=sys.argv[1:]
runs=[(n,load(n)) for n in names]
rows=[('CHAIR_i (%) ↓','chair_i',100,1),('CHAIR_s (%) ↓','chair_s',100,1),('object mentions per caption','chair_mentions',1,2),
('POPE F1 (%), first token','pope_f1',100,1),('POPE unanswered (%), first token','pope_unanswered',100,1),
('POPE F1 (%), yes-vs-no logit','pope_cmp_f1',100,1),('POPE accuracy (%), yes-vs-no logit','pope_cmp_accuracy',100,1),('POPE yes-ratio (%), yes-vs-no logit','pope_cmp_yes_ratio',100,1)]
b=runs[0][1]['baseline']
hdr='| metric (test split) | SFT start | + SFT | '+' | '.join(f'+ SeVa DPO, {n}' for n,_ in runs)+' |'
print(hdr); print('|'+'---|'*(3+len(runs)))
for e in [b]+[x[a] for _,r in runs for x in r['seeds'] for a in ('sft','dpo')]:
    e['correct_mentions']=e['chair_mentions']*(1-e['chair_i'])
rows.insert(3,('correct object mentions per caption (mentions x (1 - CHAIR_i))','correct_mentions',1,2))
for name,k,sc,d in rows:
    print(f"| {name} | {b[k]*sc:.{d}f} | {ms([s['sft'][k] for s in runs[0][1]['seeds']],sc,d)} | "+' | '.join(ms([s['dpo'][k] for s in r['seeds']],sc,d) for _,r in runs)+' |')
print()
# check SFT arms identical across runs
for n,r in runs:
    same=all(abs(s['sft']['chair_i']-t['sft']['chair_i'])<1e-9 for s,t in zip(r['seeds'],runs[0][1]['seeds']))
    print('sft arm identical to first:',n,same, 'total s',r.get('seconds'), 'native', r['native'])
print()
print('| seed | SFT | '+' | '.join(f'DPO {n}' for n,_ in runs)+' |'); print('|'+'---|'*(2+len(runs)))
f=lambda e: f"{e['chair_i']*100:.1f} / {e['chair_s']*100:.1f} / {e['chair_mentions']:.2f} / {e['pope_cmp_accuracy']*100:.1f} / {e['pope_cmp_f1']*100:.1f}"
for i,s in enumerate(runs[0][1]['seeds']):
    print(f"| {s['seed']} | {f(s['sft'])} | "+' | '.join(f(r['seeds'][i]['dpo']) for _,r in runs)+' |')
print()
print('| run | seed | pairs kept / images (identical dropped) | words chosen / rejected | rejected longer / shorter % | s pairs / DPO train / SFT train / seed total |')
print('|---|---|---|---|---|---|')
for n,r in runs:
    for s in r['seeds']:
        p=s['pairs'];t=s['seconds']
        print(f"| {n} | {s['seed']} | {p['kept']} / {p['images']} ({p['dropped']}) | {p['chosenWords']:.1f} / {p['rejectedWords']:.1f} | {p['rejectedLonger']*100:.0f} / {p['rejectedShorter']*100:.0f} | {t['pairs']} / {t['dpoTrain']} / {t['sftTrain']} / {t['seedTotal']} |")
print()
print('| run | seed | rewards/accuracies | rewards/margins | rewards/chosen | rewards/rejected | logps/chosen |')
print('|---|---|---|---|---|---|---|')
steps=[4,20,40,60]
for n,r in runs:
    for s in r['seeds']:
        c={x['step']:x for x in s['rewards']}
        g=lambda k,d=2: ' / '.join(f"{c[t][k]:.{d}f}" for t in steps if t in c)
        print(f"| {n} | {s['seed']} | {g('accuracy')} | {g('margin')} | {g('chosen')} | {g('rejected')} | {g('logpsChosen',1)} |")
