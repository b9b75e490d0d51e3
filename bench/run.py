#!/usr/bin/env python3
"""zhnorm benchmark: throughput, byte-identity, cold start and peak memory.

    python bench/run.py                  # full run, writes bench/results.md
    python bench/run.py --quick          # ~1 MB corpus, fewer repeats, writes bench/out/results-quick.md
    python bench/run.py --peers zhnorm opencc --configs s2t t2s

Creates the peers' venvs (bench/.venvs/<peer>) and the corpus (bench/out/)
when missing, then runs every measurement in a fresh subprocess of the peer's
own venv (bench/peer_worker.py) so that peers never share an interpreter or
an environment.  Peers are interleaved config by config (and round by round
for cold start) so that machine noise hits them alike: compare numbers from
one run, not across runs.  Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import setup_peers  # noqa: E402
from peers import (  # noqa: E402
    DEFAULT_CONFIGS, DISTRIBUTIONS, IDENTITY_CONFIGS, PEER_ORDER, PEERS, REFERENCE,
    ZHCONV_VARIANT, exact, input_for, supports,
)

WORKER = BENCH / "peer_worker.py"
OFFICIAL = "opencc"

# Targets zhnorm must meet (zhnorm best MB/s / official opencc best MB/s).
SPEED_TARGETS = {"s2t": 1.5, "t2s": 1.2, "s2twp": 1.5, "tw2sp": 1.5}
COLD_TARGET_S = 0.3
MEMORY_TARGET_MB = 150.0


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- setup

def peer_python(peer: str, args) -> Path:
    if peer == "zhnorm" and args.zhnorm_python:
        return Path(args.zhnorm_python)
    return setup_peers.venv_python(peer)


def ensure_peers(args) -> None:
    for peer in args.peers:
        if peer == "zhnorm" and args.zhnorm_python:
            continue
        setup_peers.setup(peer, args.venv_python, quiet=True)
    if OFFICIAL not in args.peers:  # the corpus is always made with official opencc
        setup_peers.setup(OFFICIAL, args.venv_python, quiet=True)


def corpus_is_current(out: Path, size: int) -> bool:
    manifest = out / "corpus.json"
    if not manifest.exists():
        return False
    try:
        m = json.loads(manifest.read_text(encoding="utf-8"))
        import build_corpus  # stdlib-only at import time; opencc is imported lazily

        files = build_corpus.sources(Path(m["source_dir"]))
        if m["target_bytes"] != size or m["sources_sha256"] != build_corpus.sources_digest(files):
            return False
        return all((out / name).exists() and (out / name).stat().st_size == info["bytes"]
                   for name, info in m["files"].items())
    except (ValueError, KeyError, OSError, SystemExit):
        return False


def ensure_corpus(args) -> dict:
    if args.rebuild_corpus or not corpus_is_current(args.corpus_dir, args.size):
        log(f"building corpus ({args.size:,} bytes) in {args.corpus_dir}")
        subprocess.run([str(setup_peers.venv_python(OFFICIAL)), str(BENCH / "build_corpus.py"),
                        "--size", str(args.size), "--out", str(args.corpus_dir)], check=True)
    return json.loads((args.corpus_dir / "corpus.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- workers

def worker(peer: str, config: str, mode: str, args, *, input_path: Path | None = None,
           repeats: int | None = None, output: Path | None = None) -> dict:
    cmd = [str(peer_python(peer, args)), str(WORKER), peer, config, mode]
    if input_path is not None:
        cmd += ["--input", str(input_path)]
    if repeats is not None:
        cmd += ["--repeats", str(repeats), "--budget", str(args.budget)]
    if output is not None:
        cmd += ["--output", str(output)]
    cmd += ["--watchdog", str(max(1.0, args.timeout - 10))]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"peer": peer, "config": config, "mode": mode, "ok": False,
                "error": f"timeout after {args.timeout}s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        if any(ln.startswith("Timeout (") for ln in err):
            # faulthandler's dump: most recent call first; keep the innermost frames.
            frames = [ln.strip() for ln in err if ln.strip().startswith("File ")][:6]
            return {"peer": peer, "config": config, "mode": mode, "ok": False,
                    "error": f"hung: no result after {args.timeout - 10:.0f} s; stack (innermost first): "
                             + " | ".join(frames)}
        return {"peer": peer, "config": config, "mode": mode, "ok": False,
                "error": f"worker exit {proc.returncode}: {' | '.join(err[-3:])}"}
    res = json.loads(lines[-1])
    res["process_wall_s"] = wall
    return res


def versions(peer: str, args) -> dict:
    code = ("import importlib.metadata as m, json, sys\n"
            "out = {'python': sys.version.split()[0]}\n"
            f"for d in {DISTRIBUTIONS[peer]!r}:\n"
            "    try: out[d] = m.version(d)\n"
            "    except m.PackageNotFoundError: out[d] = None\n"
            + ("try:\n    import zhnorm._accel\n    out['zhnorm._accel'] = 'C extension loaded'\n"
               "except ImportError:\n    out['zhnorm._accel'] = 'not built (pure Python engine)'\n"
               if peer == "zhnorm" else "")
            + "print(json.dumps(out))")
    try:
        p = subprocess.run([str(peer_python(peer, args)), "-c", code], capture_output=True, text=True,
                           timeout=60, check=True)
        return json.loads(p.stdout)
    except (subprocess.SubprocessError, ValueError, OSError) as e:
        return {"error": str(e)}


# --------------------------------------------------------------------------- identity

def compare_outputs(ref: str, got: str, max_contexts: int = 8, width: int = 20) -> dict:
    """Character-level comparison of two conversions of the same input.

    Line by line (conversion never adds or removes newlines in OpenCC), and
    within a differing line with difflib.  ``differing_chars`` counts
    reference characters replaced or dropped plus characters inserted, over
    the whole corpus (a difference in an article repeated 28 times counts 28
    times); ``distinct`` groups the same (expected, got, context) together.
    """
    if ref == got:
        return {"identical": True, "differing_chars": 0, "differing_lines": 0, "distinct": []}
    rl, gl = ref.split("\n"), got.split("\n")
    res: dict = {"identical": False}
    if len(rl) != len(gl):
        i = next((k for k, (a, b) in enumerate(zip(ref, got)) if a != b), min(len(ref), len(got)))
        res.update(differing_chars=None, differing_lines=None,
                   note=f"line count differs ({len(rl)} vs {len(gl)}): only the first difference is shown",
                   distinct=[{"line": ref.count("\n", 0, i) + 1, "count": 1,
                              "expected": ref[i:i + 1], "got": got[i:i + 1],
                              "ref_context": ref[max(0, i - width):i + width],
                              "got_context": got[max(0, i - width):i + width]}])
        return res
    chars = lines = 0
    distinct: dict[tuple, dict] = {}
    for n, (a, b) in enumerate(zip(rl, gl), 1):
        if a == b:
            continue
        lines += 1
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            chars += max(i2 - i1, j2 - j1)
            ctx_ref = a[max(0, i1 - width):i2 + width]
            ctx_got = b[max(0, j1 - width):j2 + width]
            key = (a[i1:i2], b[j1:j2], ctx_ref)
            if key in distinct:
                distinct[key]["count"] += 1
            else:
                distinct[key] = {"line": n, "col": i1 + 1, "count": 1, "expected": a[i1:i2],
                                 "got": b[j1:j2], "ref_context": ctx_ref, "got_context": ctx_got}
    res.update(differing_chars=chars, differing_lines=lines, distinct=list(distinct.values()),
               shown=max_contexts)
    return res


def write_diff(path: Path, config: str, cmp: dict) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(f"# zhnorm vs official opencc, config {config}\n")
        f.write(f"# identical={cmp['identical']} differing_chars={cmp.get('differing_chars')} "
                f"differing_lines={cmp.get('differing_lines')} distinct={len(cmp['distinct'])}\n")
        if cmp.get("note"):
            f.write(f"# {cmp['note']}\n")
        for d in cmp["distinct"]:
            f.write(f"\nline {d['line']} col {d.get('col', '?')} (x{d['count']}): "
                    f"opencc {d['expected']!r} -> zhnorm {d['got']!r}\n")
            f.write(f"  opencc: {d['ref_context']}\n  zhnorm: {d['got_context']}\n")


# --------------------------------------------------------------------------- report

def machine_info() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "mem_gib": mem, "python": platform.python_version(),
            "platform": platform.platform()}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes in src/" if dirty else "")
    except (subprocess.SubprocessError, OSError):
        return "unknown"


def reference_config(config: str) -> str:
    """The official OpenCC config a row is compared with (tag and markup rows)."""
    base = config.split("+", 1)[0]
    return REFERENCE.get(base, base)


def code(text: str) -> str:
    """Markdown code span that survives backticks in the text; empty shows as (nothing)."""
    if not text:
        return "(nothing)"
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / 1e6 / seconds


def fmt_speed(r: dict | None) -> str:
    if r is None:
        return "—"
    if not r.get("ok"):
        return "n/a¹"
    return f"{r['best_mbps']:.1f} ({r['median_mbps']:.1f})"


def summary(data: dict) -> str:
    """One line per zhnorm target: value, target, met, and how noisy the row was."""
    L = ["## zhnorm against its targets\n", "| target | measured | met | note |", "|---|---|---|---|"]
    for config, target in SPEED_TARGETS.items():
        row = data["throughput"].get(config, {})
        z, o = row.get("zhnorm"), row.get(OFFICIAL)
        if not (z and z.get("ok") and o and o.get("ok")):
            L.append(f"| {config} ≥ {target}x official opencc | not measured | — | |")
            continue
        rv = z["best_mbps"] / o["best_mbps"]
        pb = o.get("process_bests_s", [])
        spread = max(pb) / min(pb) if len(pb) > 1 else None
        # Within noise: the target lies within the row's own A/A spread of the ratio.
        close = spread is not None and target / spread <= rv < target * spread
        note = f"opencc A/A spread {spread:.2f}x" if spread else ""
        if close:
            note += ": within noise of the target, re-run before concluding"
        L.append(f"| {config} ≥ {target}x official opencc | {rv:.2f}x ({z['best_mbps']:.1f} vs "
                 f"{o['best_mbps']:.1f} MB/s) | {'✅' if rv >= target else '❌'} | {note} |")
    c = data["cold"].get("zhnorm")
    if c and c.get("ok"):
        L.append(f"| cold start < {COLD_TARGET_S} s | {c['best_s']:.3f} s (median {c['median_s']:.3f}) | "
                 f"{'✅' if c['best_s'] < COLD_TARGET_S else '❌'} | `{data['cold_config']}`, cache warm |")
    else:
        L.append(f"| cold start < {COLD_TARGET_S} s | not measured | — | |")
    m = data["memory"].get("zhnorm")
    if m and m.get("ok"):
        L.append(f"| peak memory < {MEMORY_TARGET_MB:.0f} MB | {m['peak_rss_mb']:.1f} MB | "
                 f"{'✅' if m['peak_rss_mb'] < MEMORY_TARGET_MB else '❌'} | `{data['memory_config']}` on the "
                 f"{m['input_bytes']:,}-byte corpus"
                 f"{'; within 5% of the limit' if abs(m['peak_rss_mb'] - MEMORY_TARGET_MB) < 0.05 * MEMORY_TARGET_MB else ''} |")
    else:
        L.append(f"| peak memory < {MEMORY_TARGET_MB:.0f} MB | not measured | — | |")
    ident = [c for c, v in data["identity"].items() if "error" not in v]
    same = [c for c in ident if data["identity"][c]["identical"]]
    if ident:
        L.append(f"| byte-identical to official opencc | {len(same)} of {len(ident)} configs "
                 f"({', '.join(ident)}) | {'✅' if len(same) == len(ident) else '❌'} | whole corpus |")
    L.append("")
    return "\n".join(L)


def build_report(data: dict) -> str:
    peers = data["peers"]
    others = [p for p in peers if p not in ("zhnorm", OFFICIAL)]
    L: list[str] = []
    L.append("# zhnorm benchmark results\n")
    m = data["machine"]
    L.append(f"- Date: {data['date']} (run took {data['duration_s']:.0f} s)")
    L.append(f"- Command: `{data['command']}`")
    L.append(f"- Machine: {m['cores']} cores, {m['cpu']}, {m['mem_gib']} GiB, {m['platform']}; "
             f"Python {m['python']}")
    L.append(f"- Load average at start / end: {data['load_start']} / {data['load_end']} "
             "(other work on the machine adds noise: compare numbers from one run)")
    L.append(f"- zhnorm source: git {data['zhnorm_git']}")
    c = data["corpus"]
    L.append(f"- Corpus: {c['files']['corpus.md']['bytes']:,} bytes of Markdown articles "
             f"({len(c['sources'])} sources repeated, {c['complete_passes']} full passes), converted with "
             f"official opencc {c['opencc_version']} to `corpus-hans.txt` (t2s) and `corpus-hant.txt` (s2t)")
    vers = []
    for p in peers:
        v = data["versions"].get(p, {})
        vers.append(", ".join(f"{k} {val}" for k, val in v.items() if k != "python") or "unknown")
    L.append("- Versions: " + "; ".join(vers))
    L.append("")

    L.append(summary(data))

    # Throughput
    L.append("## Throughput\n")
    L.append("MB/s = 10⁶ UTF-8 input bytes per second of wall time; **best of N** runs, median in "
             "parentheses; N = timed runs per cell (zhnorm and official opencc run in "
             f"{data['pair_passes']} worker processes each, alternating A B … B A B A, and their runs are merged; a slow peer stops after 3 runs "
             "once its time budget is spent). Simplified corpus in for s2\\*/zh-TW, Traditional corpus in for t2s/tw2sp/zh-CN. "
             "`~` = the zhconv family has no OpenCC configs: it ran the nearest MediaWiki variant "
             f"({', '.join(f'{k}→{v}' for k, v in ZHCONV_VARIANT.items() if k in data['configs'])}), "
             "which is **not the same conversion**. Tag rows (zh-TW, zh-CN) and markup rows are zhnorm "
             "targets with no official opencc equivalent of that name: in those rows official opencc "
             "ran the config in brackets, on the same input, side by side (a markup row does more work "
             "than that plain conversion, so it has no target). *met* judges the wall-time "
             "best-of ratio; *ratio by CPU time* is the same ratio from `time.process_time` (best of N), "
             "which time slices lost to other processes on a busy machine do not inflate. *opencc A/A "
             "spread* is the noise floor of this row: the slowest over the fastest of official opencc's "
             "per-process best times for the very same work; a ratio within that spread of 1.0 is noise.\n")
    head = ["config", "N", "zhnorm", "opencc (official)", "zhnorm / opencc", "target", "met",
            "ratio by CPU time", "opencc A/A spread"]
    head += [PEERS[p]["label"] for p in others]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for config in data["configs"]:
        row = data["throughput"].get(config, {})
        ref_cfg = reference_config(config)
        ref = row.get(OFFICIAL)
        z = row.get("zhnorm")
        label = config if ref_cfg == config else f"{config} [{ref_cfg}]"
        ns = sorted({len(r["times_s"]) for r in row.values() if r.get("ok")})
        ratio = met = cpu_ratio = spread = "—"
        if ref and ref.get("ok") and len(ref.get("process_bests_s", [])) > 1:
            pb = ref["process_bests_s"]
            spread = f"{max(pb) / min(pb):.2f}x"
        # Targets are for plain conversion; a markup row does more work than
        # the plain opencc conversion it is shown against.
        target = None if "+" in config else SPEED_TARGETS.get(ref_cfg)
        if z and z.get("ok") and ref and ref.get("ok"):
            rv = z["best_mbps"] / ref["best_mbps"]
            ratio = f"{rv:.2f}x (median {z['median_mbps'] / ref['median_mbps']:.2f}x)"
            cpu_ratio = f"{z['best_cpu_mbps'] / ref['best_cpu_mbps']:.2f}x"
            if target:
                met = "✅ yes" if rv >= target else "❌ no"
        cells = [label, "/".join(map(str, ns)) or "—", fmt_speed(z),
                 fmt_speed(ref) if config == ref_cfg else f"{fmt_speed(ref)} [{ref_cfg}]",
                 ratio, f"≥{target}x" if target else "—", met, cpu_ratio, spread]
        for p in others:
            r = row.get(p)
            cell = fmt_speed(r)
            if r is not None and r.get("ok") and not exact(p, config):
                cell = "~" + cell
            cells.append(cell)
        L.append("| " + " | ".join(cells) + " |")
    L.append("")

    # Output identity matrix
    L.append("### Same output bytes as official opencc?\n")
    L.append("sha256 of each peer's output on the whole corpus compared with official opencc's output "
             "for the same config (tag rows: the bracketed config). Only zhnorm is meant to match.\n")
    head = ["config"] + [PEERS[p]["label"] for p in peers if p != OFFICIAL]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for config in data["configs"]:
        row = data["throughput"].get(config, {})
        ref = row.get(OFFICIAL)
        cells = [config]
        for p in peers:
            if p == OFFICIAL:
                continue
            r = row.get(p)
            if r is None:
                cells.append("—")
            elif not r.get("ok") or not (ref and ref.get("ok")):
                cells.append("n/a")
            else:
                same = r["output_sha256"] == ref["output_sha256"]
                note = "" if exact(p, config) else " (~)"
                if "+" in config:
                    note = " (markup mode keeps markup; not meant to match)" if not same else ""
                cells.append(("yes" if same else "no") + note)
        L.append("| " + " | ".join(cells) + " |")
    L.append("")

    # Byte identity
    L.append("## Byte-identity: zhnorm vs official opencc\n")
    L.append("Whole-corpus outputs compared character by character (line by line, difflib within a "
             "line). Counts are over the whole corpus, so a difference in an article that repeats "
             "counts once per repeat; *distinct* groups identical differences. Full lists: "
             "`bench/out/diff-<config>.txt`.\n")
    L.append("| config | identical | differing chars | differing lines | distinct differences |")
    L.append("|---|---|---|---|---|")
    details = []
    for config in data["configs"]:
        cmp = data["identity"].get(config)
        if cmp is None:
            continue
        if "error" in cmp:
            L.append(f"| {config} | not measured | — | — | {cmp['error']} |")
            continue
        ident = "✅ yes" if cmp["identical"] else "❌ no"
        L.append(f"| {config} | {ident} | {cmp.get('differing_chars', '—')} | "
                 f"{cmp.get('differing_lines', '—')} | {len(cmp['distinct'])} |")
        if not cmp["identical"]:
            details.append(f"**{config}** (first {min(len(cmp['distinct']), cmp.get('shown', 8))} "
                           f"distinct differences{'; ' + cmp['note'] if cmp.get('note') else ''}):\n")
            for d in cmp["distinct"][: cmp.get("shown", 8)]:
                details.append(f"- line {d['line']}, ×{d['count']}: opencc {code(d['expected'])} → zhnorm "
                               f"{code(d['got'])}  \n  opencc: {code(d['ref_context'])}  \n  zhnorm: "
                               f"{code(d['got_context'])}")
            details.append("")
    L.append("")
    L.extend(details)

    # Cold start
    L.append("## Cold start\n")
    L.append(f"Fresh process per measurement; config `{data['cold_config']}` (zhconv family: "
             f"`{ZHCONV_VARIANT.get(data['cold_config'], '?')}`). *cold* = import + building/loading "
             "tables + converting one sentence, timed inside the process from just before the import "
             "(best of the rounds, median in parentheses); *process* = the whole subprocess as seen "
             "by the parent, including interpreter start-up. One discarded warm-up run per peer "
             "first (fills zhnorm's table cache and the OS file cache). Rounds are interleaved "
             f"across peers. Target for zhnorm: cold < {COLD_TARGET_S} s.\n")
    L.append("| peer | cold best s | (median) | of which import + build | first sentence | "
             "process best s | rounds | target |")
    L.append("|---|---|---|---|---|---|---|---|")
    for p in peers:
        r = data["cold"].get(p)
        if r is None:
            continue
        if not r.get("ok"):
            L.append(f"| {PEERS[p]['label']} | n/a¹ | | | | | | |")
            continue
        tgt = ("✅" if r["best_s"] < COLD_TARGET_S else "❌") + f" <{COLD_TARGET_S}" if p == "zhnorm" else ""
        L.append(f"| {PEERS[p]['label']} | {r['best_s']:.3f} | ({r['median_s']:.3f}) | "
                 f"{r['best_setup_s']:.3f} | {r['best_first_convert_s']:.4f} | "
                 f"{r['process_best_s']:.3f} | {r['rounds']} | {tgt} |")
    L.append("")

    # Memory
    L.append("## Peak memory\n")
    L.append(f"Fresh process per peer: read the whole corpus, import, build, convert it once with "
             f"`{data['memory_config']}` (zhconv family: `{ZHCONV_VARIANT.get(data['memory_config'], '?')}`). "
             "Peak RSS is VmHWM from `/proc/self/status` (not `getrusage().ru_maxrss`, which on Linux "
             "keeps the parent's peak across exec); it includes the interpreter, the input "
             "string and the output string; MB = 10⁶ bytes. *before import* is the peak with just the input "
             "read. "
             f"Target for zhnorm: < {MEMORY_TARGET_MB:.0f} MB.\n")
    L.append("| peer | peak RSS MB | before import MB | target |")
    L.append("|---|---|---|---|")
    for p in peers:
        r = data["memory"].get(p)
        if r is None:
            continue
        if not r.get("ok"):
            L.append(f"| {PEERS[p]['label']} | n/a¹ | | |")
            continue
        tgt = (("✅" if r["peak_rss_mb"] < MEMORY_TARGET_MB else "❌") + f" <{MEMORY_TARGET_MB:.0f}"
               if p == "zhnorm" else "")
        L.append(f"| {PEERS[p]['label']} | {r['peak_rss_mb']:.1f} | {r['rss_before_import_mb']:.1f} | {tgt} |")
    L.append("")

    if data["errors"]:
        L.append("## Not measured\n")
        L.append("¹ These measurements failed; the error each worker reported:\n")
        seen = set()
        for e in data["errors"]:
            key = (e["peer"], e["config"], e["mode"], e["error"])
            if key in seen:
                continue
            seen.add(key)
            L.append(f"- {e['peer']} {e['config']} {e['mode']}: `{e['error']}`")
        L.append("")
    if data["notes"]:
        L.append("## Notes\n")
        L.extend(f"- {n}" for n in data["notes"])
        L.append("")
    return "\n".join(L)


# --------------------------------------------------------------------------- main

def out_dir_for(args) -> Path:
    return (BENCH / "out" / ("quick" if args.quick else "")).resolve()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="zhnorm benchmark harness")
    ap.add_argument("--quick", action="store_true",
                    help="1 MB corpus (bench/out/quick), 3 repeats, 3 cold rounds; report to bench/out/results-quick.md")
    ap.add_argument("--peers", nargs="+", default=PEER_ORDER, choices=PEER_ORDER)
    ap.add_argument("--configs", nargs="+", default=None,
                    help=f"default: {' '.join(DEFAULT_CONFIGS)} s2t+markdown")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per throughput cell (default 5, quick 3)")
    ap.add_argument("--budget", type=float, default=None,
                    help="a throughput cell stops after 3 runs once this many seconds are spent (default 20)")
    ap.add_argument("--pair-passes", type=int, default=3,
                    help="worker processes per throughput cell for zhnorm and official opencc, alternated (default 3)")
    ap.add_argument("--cold-rounds", type=int, default=None, help="default 5 (quick 3)")
    ap.add_argument("--cold-config", default="s2t")
    ap.add_argument("--memory-config", default="s2twp")
    ap.add_argument("--size", type=int, default=None, help="corpus bytes (default 5,000,000; quick 1,000,000)")
    ap.add_argument("--zhnorm-python", default=None, help="run zhnorm with this interpreter instead of bench/.venvs/zhnorm")
    ap.add_argument("--venv-python", default=sys.executable, help="interpreter used to create the peer venvs")
    ap.add_argument("--results", type=Path, default=None, help="Markdown report path")
    ap.add_argument("--rebuild-corpus", action="store_true")
    ap.add_argument("--report-only", type=Path, default=None, metavar="RESULTS_JSON",
                    help="only re-render the Markdown report from a saved results.json")
    ap.add_argument("--timeout", type=float, default=180.0,
                    help="seconds per worker process (default 180); 10 s before it the worker dumps its stack")
    args = ap.parse_args(argv)

    if args.report_only:
        data = json.loads(args.report_only.read_text(encoding="utf-8"))
        results = args.results or BENCH / "results.md"
        results.write_text(build_report(data), encoding="utf-8")
        log(f"wrote {results} from {args.report_only}")
        return 0
    args.repeats = args.repeats or (3 if args.quick else 5)
    args.budget = args.budget if args.budget is not None else (8.0 if args.quick else 20.0)
    args.cold_rounds = args.cold_rounds or (3 if args.quick else 5)
    args.size = args.size or (1_000_000 if args.quick else 5_000_000)
    args.corpus_dir = out_dir_for(args)
    # The raw JSON goes to bench/out/ for the default report, next to the
    # report when --results names another place (so a side run never
    # overwrites the raw data of the committed results.md).
    raw = args.results.with_suffix(".json") if args.results else (
        out_dir_for(args) / ("results-quick.json" if args.quick else "results.json"))
    args.results = args.results or (BENCH / "out" / "results-quick.md" if args.quick else BENCH / "results.md")
    configs = args.configs or DEFAULT_CONFIGS + ["s2t+markdown"]
    peers = [p for p in PEER_ORDER if p in args.peers]
    out_dir = args.corpus_dir
    started = time.perf_counter()

    data: dict = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "command": " ".join(["python bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
                  "machine": machine_info(), "load_start": loadavg(), "zhnorm_git": git_state(),
                  "peers": peers, "configs": configs, "cold_config": args.cold_config,
                  "memory_config": args.memory_config, "pair_passes": args.pair_passes, "throughput": {}, "identity": {}, "cold": {},
                  "memory": {}, "errors": [], "notes": [], "versions": {}}

    ensure_peers(args)
    data["corpus"] = ensure_corpus(args)
    for p in peers:
        data["versions"][p] = versions(p, args)
    log("versions: " + json.dumps(data["versions"], ensure_ascii=False))

    def record_error(r: dict) -> None:
        if not r.get("ok"):
            data["errors"].append({k: r.get(k) for k in ("peer", "config", "mode", "error")})
            log(f"  {r['peer']} {r['config']} {r['mode']}: {r['error']}")

    # Throughput (+ outputs for the identity check), interleaved by config.
    outputs = out_dir / "outputs"
    for config in configs:
        data["throughput"][config] = {}
        inp = out_dir / input_for(config)
        nbytes = inp.stat().st_size
        ref_cfg = reference_config(config)
        # Official opencc runs in every row: the row's config, or for tag and
        # markup rows the reference config (same input), so every ratio comes
        # from measurements taken side by side.
        order = [p for p in peers if supports(p, config) or (p == OFFICIAL and supports(p, ref_cfg))]
        # zhnorm and official opencc (whose ratio is the headline) run again at
        # the end, alternating (A B ... B A B A) so drift in machine load hits
        # both alike; their timings from all passes are merged.
        pair = [p for p in ("zhnorm", OFFICIAL) if p in order]
        schedule = order + (pair[::-1] * (args.pair_passes - 1) if len(pair) == 2 else [])
        for k, p in enumerate(schedule):
            first = k < len(order)
            save = (outputs / p / f"{config}.txt"
                    if first and p in ("zhnorm", OFFICIAL) and config in IDENTITY_CONFIGS else None)
            if not first and not data["throughput"][config][p].get("ok"):
                continue  # it failed once already; the error is recorded
            r = worker(p, ref_cfg if p == OFFICIAL else config, "throughput", args, input_path=inp,
                       repeats=args.repeats, output=save)
            r["config"] = config
            if first and r.get("ok"):
                r["process_bests_s"] = [min(r["times_s"])]
            if not first:
                prev = data["throughput"][config][p]
                if not r.get("ok"):
                    record_error(r)
                    continue
                if r["output_sha256"] != prev["output_sha256"]:
                    data["notes"].append(f"{p} {config}: output differed between passes (nondeterministic?)")
                prev["times_s"] += r["times_s"]
                prev["cpu_s"] += r["cpu_s"]
                prev["process_bests_s"].append(min(r["times_s"]))
                r = prev
            if r.get("ok"):
                r["best_mbps"] = mbps(nbytes, min(r["times_s"]))
                r["median_mbps"] = mbps(nbytes, statistics.median(r["times_s"]))
                r["best_cpu_mbps"] = mbps(nbytes, min(r["cpu_s"]))
                # CPU time well above wall time means the peer used several threads.
                r["cpu_over_wall"] = sum(r["cpu_s"]) / sum(r["times_s"])
                log(f"{config:>13} {p:<28} best {r['best_mbps']:8.2f} MB/s  median {r['median_mbps']:8.2f}"
                    f"  (n={len(r['times_s'])})")
            else:
                record_error(r)
                if p == "zhnorm" and "+" in config and r.get("error", "").startswith("TypeError"):
                    data["notes"].append(f"{config}: zhnorm has no markup-aware convert yet "
                                         f"({r['error']}); row skipped.")
            data["throughput"][config][p] = r

    # Byte-identity: zhnorm vs official opencc.
    if "zhnorm" in peers and OFFICIAL in peers:
        for config in [c for c in configs if c in IDENTITY_CONFIGS]:
            z = data["throughput"][config].get("zhnorm", {})
            o = data["throughput"][config].get(OFFICIAL, {})
            if not (z.get("ok") and o.get("ok")):
                data["identity"][config] = {"error": "no output from " + ("zhnorm" if not z.get("ok") else "opencc")}
                continue
            ref = (outputs / OFFICIAL / f"{config}.txt").read_text(encoding="utf-8")
            got = (outputs / "zhnorm" / f"{config}.txt").read_text(encoding="utf-8")
            cmp = compare_outputs(ref, got)
            data["identity"][config] = cmp
            diff_path = out_dir / f"diff-{config}.txt"
            if cmp["identical"]:
                diff_path.unlink(missing_ok=True)
                log(f"identity {config}: identical")
            else:
                write_diff(diff_path, config, cmp)
                log(f"identity {config}: DIFFERENT, {cmp.get('differing_chars')} chars, see {diff_path}")

    # Cold start: one warm-up per peer, then interleaved rounds.
    cold_peers = [p for p in peers if supports(p, args.cold_config)]
    runs: dict[str, list] = {p: [] for p in cold_peers}
    for p in cold_peers:
        warm = worker(p, args.cold_config, "cold", args)
        if not warm.get("ok"):
            record_error(warm)
            data["cold"][p] = warm
    for _ in range(args.cold_rounds):
        for p in cold_peers:
            if p in data["cold"]:
                continue
            r = worker(p, args.cold_config, "cold", args)
            if r.get("ok"):
                runs[p].append(r)
            else:
                record_error(r)
                data["cold"][p] = r
    for p, rs in runs.items():
        if p in data["cold"] or not rs:
            continue
        colds = [r["cold_s"] for r in rs]
        best = min(rs, key=lambda r: r["cold_s"])
        data["cold"][p] = {"ok": True, "best_s": min(colds), "median_s": statistics.median(colds),
                           "best_setup_s": best["setup_s"], "best_first_convert_s": best["first_convert_s"],
                           "process_best_s": min(r["process_wall_s"] for r in rs), "rounds": len(rs),
                           "sample": rs[0].get("sample")}
        log(f"cold {p:<28} best {min(colds):.3f}s  process {data['cold'][p]['process_best_s']:.3f}s")

    # Peak memory.
    inp = out_dir / input_for(args.memory_config)
    for p in peers:
        if not supports(p, args.memory_config):
            continue
        r = worker(p, args.memory_config, "memory", args, input_path=inp)
        data["memory"][p] = r
        if r.get("ok"):
            log(f"memory {p:<28} peak {r['peak_rss_mb']:.1f} MB")
        else:
            record_error(r)

    for config, row in data["throughput"].items():
        for p, r in row.items():
            if r.get("ok") and r.get("cpu_over_wall", 1) > 1.2:
                data["notes"].append(f"{p} {config}: CPU time is {r['cpu_over_wall']:.1f}x wall time "
                                     "(several threads); its CPU-time ratio is not comparable.")
    data["load_end"] = loadavg()
    data["duration_s"] = time.perf_counter() - started
    report = build_report(data)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(report, encoding="utf-8")
    raw.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    log(f"wrote {args.results} and {raw} in {data['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
