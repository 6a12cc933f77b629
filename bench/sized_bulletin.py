#!/usr/bin/env python3
"""The example bulletin with N sections, for send benchmarks at a chosen message size.

    python3 bench/sized_bulletin.py bulletins/2021-10-20.yaml OUT.yaml N

Takes the example's sections in order, round again from the first when N is more than it has
(titles of the repeats numbered, so they stay distinct): 4 sections make a message of about
26 KB (a typical week), 22 about 81 KB.
"""
import sys, yaml, copy, datetime
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = yaml.safe_load(open(src))
secs = b['sections']
new = []
for i in range(n):
    s = copy.deepcopy(secs[i % len(secs)])
    if i >= len(secs):
        s['title'] = f"{s['title']} ({i // len(secs) + 1})"
    new.append(s)
b['sections'] = new
class D(yaml.SafeDumper): pass
D.add_representer(datetime.date, lambda d, v: d.represent_scalar('tag:yaml.org,2002:str', v.isoformat()))
yaml.dump(b, open(out, 'w'), Dumper=D, allow_unicode=True, sort_keys=False, width=1000)
