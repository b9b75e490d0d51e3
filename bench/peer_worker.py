#!/usr/bin/env python3
"""Run one peer, one conversion, one measurement; print one JSON object.

Runs inside the peer's own venv (``bench/.venvs/<peer>/bin/python``), started
by ``run.py`` as a fresh subprocess for every measurement.

    peer_worker.py PEER CONFIG MODE [--input FILE] [--repeats N] [--budget S] [--output FILE]
                   [--watchdog S]

Modes:

* ``throughput``: build the converter, convert a short sentence and the first
  200,000 characters once (so lazy loading is not timed), then convert the whole input N times and
  report every wall time (``time.perf_counter``) and CPU time
  (``time.process_time``, all threads of the process).  After at least 3 runs it
  stops early once ``--budget`` seconds have been spent, so a slow pure-Python
  peer does not take the whole run.  Reports the sha256 of the output and, with
  ``--output``, writes it (for the byte-identity check).
* ``cold``: time import + building/loading tables + converting one sentence,
  measured inside the process from before the peer's import; the parent also
  times the whole process.
* ``memory``: read the input, then import, build and convert it once; report
  peak RSS (VmHWM, see ``maxrss_mb``) before the import and at the end.

CONFIG is an OpenCC config name (s2t, s2twp, ...) or a zhnorm tag (zh-TW,
...); ``CONFIG+markdown`` asks zhnorm for its markup-aware conversion.  The
zhconv family gets the nearest MediaWiki variant (see peers.py).
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

SENTENCE = "我们在开发一个软件，用鼠标点击这里打开文件，然后打印出来。"
SENTENCE_HANT = "我們在開發一個軟件，用鼠標點擊這裏打開文件，然後打印出來。"


sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import ZHCONV_VARIANT  # noqa: E402  (before any timing; stdlib only)


def _variant(config: str) -> str:
    return ZHCONV_VARIANT[config]


def make_converter(peer: str, config: str):
    """Import the peer and return a callable str -> str.  Timed in cold mode."""
    base, _, markup = config.partition("+")
    if peer == "zhnorm":
        import zhnorm  # noqa: PLC0415

        if markup:
            zhnorm.convert(SENTENCE, base, markup=markup)  # TypeError if unsupported
            return lambda text: zhnorm.convert(text, base, markup=markup)
        return zhnorm.Converter(base).convert
    if peer == "opencc":
        import opencc  # noqa: PLC0415

        if not hasattr(opencc, "opencc_clib"):
            raise RuntimeError(f"module opencc at {opencc.__file__} is not the official binding")
        return opencc.OpenCC(base).convert
    if peer == "opencc-python-reimplemented":
        import opencc  # noqa: PLC0415

        if hasattr(opencc, "opencc_clib"):
            raise RuntimeError(f"module opencc at {opencc.__file__} is the official binding, not the reimplementation")
        return opencc.OpenCC(base).convert
    if peer == "zhconv":
        import zhconv  # noqa: PLC0415

        variant = _variant(base)
        return lambda text: zhconv.convert(text, variant)
    if peer in ("zhconv-rs", "zhconv-rs-opencc"):
        mod = __import__(peer.replace("-", "_"))
        variant = _variant(base)
        fn = mod.zhconv
        return lambda text: fn(text, variant)
    raise ValueError(f"unknown peer {peer!r}")


def sentence_for(config: str) -> str:
    base = config.split("+", 1)[0]
    return SENTENCE if base.startswith("s2") or base in ("zh-Hant", "zh-TW", "zh-HK") else SENTENCE_HANT


def maxrss_mb() -> float:
    """Peak resident set size of this process in MB (10**6 bytes).

    Reads VmHWM from /proc/self/status.  ``getrusage(RUSAGE_SELF).ru_maxrss``
    is NOT used on Linux: the kernel carries the pre-exec peak across
    ``execve`` (and subprocess may vfork), so a worker started from a parent
    holding 35 MB reports at least 35 MB whatever it does itself.  VmHWM
    belongs to the address space created by exec, i.e. to this program only.
    Falls back to ru_maxrss (KiB on Linux) where /proc is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def rusage_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def run(args) -> dict:
    out: dict = {"peer": args.peer, "config": args.config, "mode": args.mode}
    if args.mode == "cold":
        t0 = time.perf_counter()
        convert = make_converter(args.peer, args.config)
        t1 = time.perf_counter()
        result = convert(sentence_for(args.config))
        t2 = time.perf_counter()
        out.update(startup_s=t0 - _T_START, setup_s=t1 - t0, first_convert_s=t2 - t1, cold_s=t2 - t0,
                   sample=result)
        return out

    data = Path(args.input).read_bytes()
    text = data.decode("utf-8")
    out["input"] = args.input
    out["input_bytes"] = len(data)
    del data

    if args.mode == "memory":
        before = maxrss_mb()
        convert = make_converter(args.peer, args.config)
        result = convert(text)
        out.update(rss_before_import_mb=before, peak_rss_mb=maxrss_mb(), ru_maxrss_mb=rusage_maxrss_mb(),
                   output_sha256=hashlib.sha256(result.encode("utf-8")).hexdigest())
        return out

    if args.mode == "throughput":
        t0 = time.perf_counter()
        convert = make_converter(args.peer, args.config)
        # Lazy loading is not throughput: warm up on a sentence and on the
        # first 200,000 characters (long enough to reach code paths that only
        # long texts take, e.g. a lazily imported numpy in zhnorm).
        convert(sentence_for(args.config))
        convert(text[:200_000])
        out["setup_s"] = time.perf_counter() - t0
        times = []
        cpu = []
        spent = 0.0
        result = None
        for i in range(args.repeats):
            result = None  # free the previous output before the next run
            c = time.process_time()
            t = time.perf_counter()
            result = convert(text)
            dt = time.perf_counter() - t
            cpu.append(time.process_time() - c)
            times.append(dt)
            spent += dt
            if i + 1 >= 3 and spent > args.budget:
                break
        encoded = result.encode("utf-8")
        out.update(times_s=times, cpu_s=cpu, output_sha256=hashlib.sha256(encoded).hexdigest(),
                   output_bytes=len(encoded), peak_rss_mb=maxrss_mb())
        if args.output:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_bytes(encoded)
        return out
    raise ValueError(f"unknown mode {args.mode!r}")


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    ap = argparse.ArgumentParser(description="benchmark worker: one peer, one config, one measurement")
    ap.add_argument("peer")
    ap.add_argument("config")
    ap.add_argument("mode", choices=["throughput", "cold", "memory"])
    ap.add_argument("--input")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget", type=float, default=1e9, help="stop after >=3 runs once this many s spent")
    ap.add_argument("--output")
    ap.add_argument("--watchdog", type=float, default=None,
                    help="after this many seconds dump every thread's stack to stderr and exit 70")
    args = ap.parse_args(argv)
    if args.watchdog:
        # A hung peer (e.g. a deadlock) then says where it hangs instead of
        # just being killed by the parent's timeout.
        import faulthandler  # noqa: PLC0415

        faulthandler.dump_traceback_later(args.watchdog, exit=True)
    if args.mode != "cold" and not args.input:
        ap.error("--input is required for throughput and memory")
    try:
        out = run(args)
        out["ok"] = True
    except Exception as e:  # noqa: BLE001 - reported to the parent, which decides
        out = {"peer": args.peer, "config": args.config, "mode": args.mode, "ok": False,
               "error": f"{type(e).__name__}: {e}", "error_type": type(e).__name__}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
