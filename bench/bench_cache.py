"""Cold start with a warm cache: import zhnorm, load cached zh-TW, convert one sentence.

Run: ZHNORM_CACHE_DIR=/tmp/somewhere python bench/bench_cache.py [runs]
The first run fills the cache; the median of the next runs is reported, with
the time spent in zhnorm.cache.load_compiled alone.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, time
t0 = time.perf_counter()
import zhnorm, zhnorm.cache as cache
spent = [0.0]
real = cache.load_compiled
def timed(*a, **k):
    t = time.perf_counter()
    try:
        return real(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t
cache.load_compiled = timed
import zhnorm.converter as conv
conv.load_compiled = timed
zhnorm.Converter("zh-TW").convert("我们的软件在计算机上运行，头发和发展。")
print(json.dumps({"total": time.perf_counter() - t0, "load": spent[0]}))
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    env = dict(os.environ)
    subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True)
    totals, loads = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
        data = json.loads(out.stdout)
        totals.append(data["total"] * 1000)
        loads.append(data["load"] * 1000)
    print(f"cold start (median of {runs}): {statistics.median(totals):.1f} ms; "
          f"of which load_compiled: {statistics.median(loads):.1f} ms "
          f"(min {min(totals):.1f} / {min(loads):.1f} ms)")


if __name__ == "__main__":
    main()
