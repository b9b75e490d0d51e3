#!/usr/bin/env python3
"""Batch throughput of the `zhnorm` command line.

Builds a tree of N article files (default 20,000) from the corpus
(``../shared/corpus/*.md``), in 100-file directories, and measures:

* ``zhnorm convert --to zh-TW -o OUT TREE -j 1`` and ``-j 2`` (markup
  auto: Markdown by extension), wall time, files/s and MB/s, the -j 2 / -j 1
  ratio;
* the library in one process on the same texts already in memory
  (``Converter.convert_markup(text, "auto", filename=...)``), and doing the
  same job by hand (each file read, converted, written to a mirror tree):
  the throughputs per core the CLI is compared with;
* peak memory (max RSS) of the CLI's worker processes and of its main
  process (from ``getrusage`` in a process that runs ``zhnorm.cli.main``);
* the official OpenCC command line (``opencc`` from the ``opencc`` package:
  one file per process) on a sample of the files, and its binding in one
  process on all of them, for scale.  OpenCC converts the markup too, so
  its output differs; it is a speed reference only.

Each timed run starts after the previous output is deleted and ``sync``ed,
and -j 1 / -j 2 runs alternate.

Usage: python bench/bench_cli.py [--files N] [--quick] [--fsync]
Writes bench/out/cli/results.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_SHARED = REPO.parent / "shared"
TARGET = "zh-TW"


def build_tree(shared: Path, root: Path, n: int) -> tuple[int, int]:
    articles = sorted(p for p in (shared / "corpus").glob("*.md") if p.name.lower() != "readme.md")
    if not articles:
        raise SystemExit(f"bench_cli: no articles in {shared}/corpus")
    stamp = root / ".built"
    if stamp.exists() and stamp.read_text() == f"{n} {len(articles)}":
        return n, sum(p.stat().st_size for p in root.rglob("*.md"))
    if root.exists():
        shutil.rmtree(root)
    data = [a.read_bytes() for a in articles]
    total = 0
    for i in range(n):
        d = root / f"d{i // 100:03d}"
        if i % 100 == 0:
            d.mkdir(parents=True)
        a = i % len(articles)
        (d / f"{i:05d}_{articles[a].name}").write_bytes(data[a])
        total += len(data[a])
    stamp.write_text(f"{n} {len(articles)}")
    return n, total


def zhnorm_script() -> str:
    script = Path(sys.executable).with_name("zhnorm")
    return str(script) if script.exists() else shutil.which("zhnorm")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _fresh(out: Path) -> None:
    """Remove an earlier run's output and let the kernel write back and free
    it before timing: otherwise the next run pays for the last one's 94 MB
    of dirty pages and 20,000 deletions (seen: -j 2 on disk at 22 CPU s)."""
    if out.exists():
        shutil.rmtree(out)
    os.sync()


def run_cli(tree: Path, out: Path, jobs: int, fsync: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the CLI and its workers)."""
    _fresh(out)
    argv = [zhnorm_script(), "convert", "--to", TARGET, "-q", "-o", str(out), str(tree), "-j", str(jobs)]
    argv.append("--fsync" if fsync else "--no-fsync")
    c0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - t0, _children_cpu() - c0


_MEMORY_PROBE = """
import sys
from zhnorm.cli import main
status = main(sys.argv[1:])
import resource
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
r = resource.getrusage(resource.RUSAGE_SELF)
print("CPU", r.ru_utime + r.ru_stime, "VmHWM", hwm, file=sys.stderr)
sys.exit(status)
"""


def _hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def cli_memory(tree: Path, out: Path, jobs: int) -> dict:
    """Peak RSS (VmHWM) of the CLI's main process and of each worker.

    VmHWM, not getrusage: Linux carries ru_maxrss across exec and fork, so a
    child's ru_maxrss includes the process it was forked from.  Workers are
    sampled every 50 ms while they run (VmHWM only grows).
    """
    _fresh(out)
    proc = subprocess.Popen([sys.executable, "-c", _MEMORY_PROBE, "convert", "--to", TARGET, "-q", "-o",
                             str(out), str(tree), "-j", str(jobs)], stderr=subprocess.PIPE, text=True)
    workers: dict[int, int] = {}
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        for child in _children(proc.pid):
            kb = _hwm_kb(child)
            if kb is not None:
                workers[child] = max(workers.get(child, 0), kb)
            c = _cpu_s(child)
            if c is not None:
                cpu[child] = max(cpu.get(child, 0.0), c)
        time.sleep(0.05)
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise SystemExit(f"bench_cli: memory run failed: {err}")
    main_kb = int(err.split("VmHWM")[-1].split()[0])
    main_cpu = float(err.split("CPU")[-1].split()[0])
    return {"main_mb": main_kb / 1024, "main_cpu_s": main_cpu, "worker_mb": [kb / 1024 for kb in workers.values()],
            "worker_cpu_s": [cpu[p] for p in workers if p in cpu]}


def library_rate(tree: Path, tmpfs: Path | None) -> dict:
    import zhnorm

    files = sorted(tree.rglob("*.md"))
    texts = [(str(p), p.read_text("utf-8")) for p in files]
    conv = zhnorm.Converter(TARGET)
    conv.convert_markup(texts[0][1], "auto", filename=texts[0][0])  # warm up
    c0 = time.process_time()
    t0 = time.perf_counter()
    for name, text in texts:
        conv.convert_markup(text, "auto", filename=name)
    convert_only = time.perf_counter() - t0
    convert_cpu = time.process_time() - c0
    t0 = time.perf_counter()
    for p in files:
        text = p.read_bytes().decode("utf-8")
        conv.convert_markup(text, "auto", filename=str(p)).text.encode("utf-8")
    with_read = time.perf_counter() - t0
    # The same job done by hand with the library: each file read, converted
    # and written to a mirror tree (plain writes: not atomic, no mode kept).
    rates = {}
    places = [("disk", tree.parent / "library-out")]
    if tmpfs is not None:  # the same file system the CLI's tmpfs runs write to
        places.append(("tmpfs", tmpfs / f"zhnorm-bench-library-out-{os.getpid()}"))
    for where, out in places:
        _fresh(out)
        made = set()
        t0 = time.perf_counter()
        for p in files:
            dest = out / p.relative_to(tree)
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            text = p.read_bytes().decode("utf-8")
            dest.write_bytes(conv.convert_markup(text, "auto", filename=str(p)).text.encode("utf-8"))
        rates[f"files_in_out_{where}_s"] = time.perf_counter() - t0
        shutil.rmtree(out)
    return {"convert_only_s": convert_only, "convert_only_cpu_s": convert_cpu,
            "read_convert_encode_s": with_read, **rates}


def opencc_rates(tree: Path, out: Path, sample: int) -> dict:
    import opencc
    import zhnorm

    config = zhnorm.Converter(TARGET).target.config
    files = sorted(tree.rglob("*.md"))
    script = Path(sys.executable).with_name("opencc")
    result: dict = {"config": config, "version": opencc.__version__}
    if script.exists():
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        chosen = files[:: max(1, len(files) // sample)][:sample]
        t0 = time.perf_counter()
        for i, p in enumerate(chosen):
            subprocess.run([str(script), "-c", f"{config}.json", "-i", str(p), "-o", str(out / f"{i}.md")],
                           check=True)
        dt = time.perf_counter() - t0
        result["cli_sample_files"] = len(chosen)
        result["cli_sample_bytes"] = sum(p.stat().st_size for p in chosen)
        result["cli_s"] = dt
    cc = opencc.OpenCC(f"{config}.json")
    texts = [p.read_text("utf-8") for p in files]
    t0 = time.perf_counter()
    for t in texts:
        cc.convert(t)
    result["binding_s"] = time.perf_counter() - t0
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--quick", action="store_true", help="2,000 files")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=BENCH / "out" / "cli")
    ap.add_argument("--fsync", action="store_true", help="time the CLI with fsync (its default) too")
    ap.add_argument("--opencc-sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=2, help="runs per timing (best is kept)")
    ap.add_argument("--tmpfs", default="/dev/shm",
                    help="also time the CLI writing its output here (a RAM file system), to see "
                         "its own cost apart from the disk's; '' to skip")
    args = ap.parse_args()
    n = 2_000 if args.quick else args.files

    tree = args.out / f"tree-{n}"
    files, nbytes = build_tree(args.shared, tree, n)
    mb = nbytes / 1e6
    res: dict = {"files": files, "bytes": nbytes, "target": TARGET, "cpus": os.cpu_count(),
                 "python": platform.python_version()}

    import zhnorm

    zhnorm.Converter(TARGET).convert("发展")  # dictionaries compiled and cached before timing

    shm = Path(args.tmpfs) if args.tmpfs and Path(args.tmpfs).is_dir() else None
    lib = library_rate(tree, shm)
    res["library"] = lib
    timings, cpu = {}, {}
    # -j 1 and -j 2 alternate, so drift in the machine's load hits both alike.
    places = [("", args.out / "converted")]
    if shm is not None:
        places.append(("_tmpfs", shm / f"zhnorm-bench-cli-{os.getpid()}"))
    runs: dict[str, list] = {}
    for _ in range(args.repeat):
        for suffix, out in places:
            for jobs in (1, 2):
                runs.setdefault(f"j{jobs}{suffix}", []).append(run_cli(tree, out, jobs, fsync=False))
    for key, rs in runs.items():
        timings[key], cpu[key] = min(rs)
    if shm is not None:
        shutil.rmtree(places[1][1], ignore_errors=True)
    if args.fsync:
        for jobs in (1, 2):
            timings[f"j{jobs}_fsync"], cpu[f"j{jobs}_fsync"] = run_cli(tree, args.out / "converted", jobs,
                                                                        fsync=True)
    res["cli_s"] = timings
    res["cli_cpu_s"] = cpu
    res["loadavg_after"] = os.getloadavg()
    res["memory_j2"] = cli_memory(tree, args.out / "converted", 2)
    res["opencc"] = opencc_rates(tree, args.out / "opencc", args.opencc_sample)
    shutil.rmtree(args.out / "converted", ignore_errors=True)

    lib_rate = files / lib["convert_only_s"]
    rows = [("library, 1 process, texts in memory", lib["convert_only_s"], 1, lib["convert_only_cpu_s"]),
            ("library, 1 process, read+convert+encode", lib["read_convert_encode_s"], 1, None)]
    for where in ("disk", "tmpfs"):
        if f"files_in_out_{where}_s" in lib:
            rows.append((f"library, 1 process, files read and written ({where})",
                         lib[f"files_in_out_{where}_s"], 1, None))
    for key, dt in timings.items():
        extra = " --fsync" if "fsync" in key else " (output on tmpfs)" if "tmpfs" in key else ""
        rows.append((f"zhnorm convert -j {key[1]}{extra}", dt, int(key[1]), cpu[key]))
    oc = res["opencc"]
    rows.append((f"OpenCC binding ({oc['config']}), 1 process, in memory", oc["binding_s"], 1, None))
    print(f"\n{files} files, {mb:.1f} MB, target {TARGET}, {os.cpu_count()} CPUs, "
          f"load average after: {res['loadavg_after'][0]:.1f}\n")
    print("| run | wall s | files/s | MB/s | per core vs library | CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, dt, cores, cs in rows:
        print(f"| {name} | {dt:.2f} | {files / dt:,.0f} | {mb / dt:.2f} | {files / dt / cores / lib_rate:.0%} "
              f"| {'' if cs is None else f'{cs:.2f}'} |")
    if "cli_s" in oc:
        rate = oc["cli_sample_files"] / oc["cli_s"]
        print(f"| OpenCC CLI (`opencc -c {oc['config']}.json -i -o`), {oc['cli_sample_files']} files "
              f"| {oc['cli_s']:.2f} | {rate:,.0f} | {oc['cli_sample_bytes'] / 1e6 / oc['cli_s']:.2f} | "
              f"{rate / lib_rate:.0%} |")
    ratio = timings["j1"] / timings["j2"]
    res["j2_over_j1"] = ratio
    if "j1_tmpfs" in timings:
        res["j2_over_j1_tmpfs"] = timings["j1_tmpfs"] / timings["j2_tmpfs"]
        print(f"\noutput on tmpfs: -j 2 / -j 1 speed-up {res['j2_over_j1_tmpfs']:.2f}x; -j 1 at "
              f"{lib['convert_only_s'] / timings['j1_tmpfs']:.0%} of the library, -j 2 at "
              f"{lib['convert_only_s'] / timings['j2_tmpfs'] / 2:.0%} per core")
    for where, key in (("disk", "j{}"), ("tmpfs", "j{}_tmpfs")):
        base = lib.get(f"files_in_out_{where}_s")
        if base and key.format(1) in timings:
            res[f"vs_library_files_{where}"] = {j: base / timings[key.format(j)] / j for j in (1, 2)}
            print(f"against the library doing the same job by hand ({where}): -j 1 at "
                  f"{base / timings[key.format(1)]:.0%}, -j 2 at {base / timings[key.format(2)] / 2:.0%} per core")
    res["j1_vs_library"] = lib["convert_only_s"] / timings["j1"]
    res["j2_per_core_vs_library"] = lib["convert_only_s"] / timings["j2"] / 2
    m = res["memory_j2"]
    print(f"\n-j 2 / -j 1 speed-up: {ratio:.2f}x; -j 1 at {res['j1_vs_library']:.0%} of the library, "
          f"-j 2 at {res['j2_per_core_vs_library']:.0%} per core")
    print(f"CPU time, CLI -j 1 / library: {cpu['j1'] / lib['convert_only_cpu_s']:.2f}")
    if m.get("worker_cpu_s"):
        # On a machine shared with other work, wall time says little about
        # scaling; the split of CPU between workers says how it would go idle.
        # Conservative: all of the main process's CPU counted as serial.
        busiest = max(m["worker_cpu_s"])
        res["j2_projected_idle_speedup"] = cpu["j1"] / (busiest + m["main_cpu_s"])
        print(f"CPU (-j 2): workers {', '.join(f'{c:.1f}' for c in m['worker_cpu_s'])} s, main "
              f"{m['main_cpu_s']:.1f} s; -j 1: {cpu['j1']:.1f} s -> at least "
              f"{res['j2_projected_idle_speedup']:.2f}x on two idle cores")
    print(f"peak RSS (VmHWM), -j 2: workers {', '.join(f'{w:.0f}' for w in m['worker_mb'])} MB, "
          f"main process {m['main_mb']:.0f} MB")
    (args.out / "results.json").write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
