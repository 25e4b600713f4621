"""Sum up a py-spy ``--format raw`` profile (collapsed stacks): where the server's time goes.

    .venv/bin/python benchmarks/spy_top.py server.spy [--top 25] [--match drafting/]

Prints the frames with the most samples *inside* them (inclusive) and the most samples *at*
them (self), as a share of all samples of busy threads. Idle threads are not sampled by
py-spy unless ``--idle`` is given, so the shares are shares of work, not of wall time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

_THREAD = re.compile(r"^thread \([0-9a-fA-Fx]+\)[^;]*;")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--match", default="", help="only frames whose text contains this")
    args = p.parse_args(argv)
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with open(args.path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = [fr for fr in _THREAD.sub("", stack).split(";") if fr]
            total += n
            for fr in set(frames):
                inclusive[fr] += n
            if frames:
                own[frames[-1]] += n
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"--- {title}")
        shown = 0
        for frame, n in counter.most_common():
            if args.match in frame:
                print(f"{100 * n / total:5.1f}%  {frame}")
                shown += 1
                if shown >= args.top:
                    break


if __name__ == "__main__":
    main()
