"""Compare two lakehouses table by table, key by key: rows only in the first (lost) and only
in the second (extra), run-dependent columns (clocks, run ids, timings) left out and theme ids
compared by the partition they name. For checking that a change of code leaves the tables as
they were:

    git worktree add /tmp/before <commit>
    (cd /tmp/before && FEEDBACK_LAKEHOUSE_ROOT=/tmp/lh-before python -m feedback_lakehouse.cli run)
    FEEDBACK_LAKEHOUSE_ROOT=/tmp/lh-after feedback-lakehouse run
    python benchmarks/compare_lakehouses.py /tmp/lh-before /tmp/lh-after
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _bench import REPO

sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    from crash_harness import differences, snapshot

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    a, b = snapshot(args.first), snapshot(args.second)
    print(json.dumps({
        "tables": len(set(a) | set(b)),
        "rows": {n: sum(c.values()) for n, c in sorted(b.items())},
        "differences": differences(a, b),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
