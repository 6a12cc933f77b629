#!/usr/bin/env python3
"""The example bulletin at a chosen size, for send benchmarks.

    python3 bench/sized_bulletin.py bulletins/2021-10-20.yaml OUT.yaml N
    python3 bench/sized_bulletin.py bulletins/2021-10-20.yaml OUT.yaml --bytes B --bin BULLETIN

With N: the example's sections in order, round again from the first when N is more than it has
(titles of the repeats numbered, so they stay distinct): 4 sections make a message of about
28 KB (a typical week), 22 about 86 KB.

With --bytes: the smallest cut of the example whose message (as `BULLETIN render` writes it,
OUT's folder holding publisher.yaml) is at least B bytes, to within a few bytes: the message
from the Chief Executive and the sections in order, the last one's text cut at a word
(and without its links and note); without
the message when even one short section with it is more than B (a message of about 10 KB).
"""
import copy
import datetime
import os
import subprocess
import sys
import tempfile

import yaml


class D(yaml.SafeDumper):
    pass


D.add_representer(datetime.date, lambda d, v: d.represent_scalar('tag:yaml.org,2002:str', v.isoformat()))
# Text of several lines as a block (`body: |`), as the bulletin format wants it.
D.add_representer(str, lambda d, v: d.represent_scalar('tag:yaml.org,2002:str', v, style='|' if '\n' in v else None))


def dump(b, out):
    with open(out, 'w') as f:
        yaml.dump(b, f, Dumper=D, allow_unicode=True, sort_keys=False, width=1000)


def sections(b, n):
    secs = b['sections']
    new = []
    for i in range(n):
        s = copy.deepcopy(secs[i % len(secs)])
        if i >= len(secs):
            s['title'] = f"{s['title']} ({i // len(secs) + 1})"
        new.append(s)
    return new


def cut(b, chars, message):
    """The bulletin with `chars` characters of section text, sections taken in order."""
    c = copy.deepcopy(b)
    if not message:
        c.pop('message', None)
    new = []
    left = chars
    for s in sections(b, 1000):
        body = s['body']
        if len(body) <= left:
            new.append(s)
            left -= len(body)
            continue
        text = body[:max(left, 1)]
        if ' ' in text.strip():
            text = text[:text.rstrip().rfind(' ')]
        # A cut list item or paragraph stays Markdown: a plain paragraph of the words kept.
        s['body'] = ' '.join(w for w in text.replace('\n', ' ').split(' ') if w and w != '-') or 'Text.'
        s['body'] += '\n'
        s.pop('links', None)
        s.pop('note', None)
        new.append(s)
        break
    c['sections'] = new
    return c


def size(b, out, binary):
    dump(b, out)
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([binary, 'render', out, '--out', d], check=True, capture_output=True)
        name = os.path.splitext(os.path.basename(out))[0] + '.eml'
        return os.path.getsize(os.path.join(d, name))


def main():
    src, out = sys.argv[1], sys.argv[2]
    b = yaml.safe_load(open(src))
    if sys.argv[3] != '--bytes':
        b['sections'] = sections(b, int(sys.argv[3]))
        dump(b, out)
        return
    target, binary = int(sys.argv[4]), sys.argv[6]
    message = size(cut(b, 0, True), out, binary) <= target
    lo, hi = 0, 1
    while size(cut(b, hi, message), out, binary) < target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if size(cut(b, mid, message), out, binary) < target:
            lo = mid
        else:
            hi = mid
    dump(cut(b, hi, message), out)


if __name__ == '__main__':
    main()
