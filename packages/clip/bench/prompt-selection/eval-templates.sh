#!/bin/bash
# Zero-shot top-1 of a trained clip run for each template set of template-sets.json, measured on the
# VALIDATION split (2000 shapes-world val scenes, ~500 single-object ones), never on test: this is how
# the templates of examples/clip.yaml were chosen.
# Usage: packages/clip/bench/prompt-selection/eval-templates.sh <run-folder> [work-dir]
set -euo pipefail
run=$(realpath "$1"); work=${2:-/tmp/clip-templates}; here=$(dirname "$(realpath "$0")"); cli=$here/../../../cli
mkdir -p "$work"
/usr/bin/python3 - "$run" "$work" "$here/template-sets.json" <<'PY'
import json, os, sys
run, work, sets = sys.argv[1:4]
c = json.load(open(os.path.join(run, 'config.json')))['config']
c['data']['eval']['shapesWorld'].update(split='val', size=2000)
c['plugins'][0]['options']['retrieval'] = {'batchSize': 100, 'maxSamples': 100}
for i, (name, templates) in enumerate(json.load(open(sets)).items()):
    d = os.path.join(work, f'set{i}')
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, 'checkpoints')):
        os.symlink(os.path.join(run, 'checkpoints'), os.path.join(d, 'checkpoints'))
    x = json.loads(json.dumps(c))
    x['plugins'][0]['options']['zeroShot']['templates'] = templates
    x['output']['dir'] = d
    json.dump(x, open(os.path.join(work, f'set{i}.config.json'), 'w'))
    open(os.path.join(work, f'set{i}.name'), 'w').write(name)
PY
for f in "$work"/set*.config.json; do
  base=${f%.config.json}
  (cd "$cli" && node dist/bin.js eval "$f" > "$base.log" 2>&1)
  echo "$(cat "$base.name"): $(grep -oE 'zeroshot_(top1|images)=[0-9.]+' "$base.log" | tr '\n' ' ')"
done
