#!/usr/bin/env python3
"""Build the prose benchmark corpus.

Reads the real Chinese Wikipedia articles in ``../shared/corpus/*.md`` and the
seed texts in ``../shared/seeds/*.txt`` (paths relative to the repository
root), and repeats them, whole and unchanged, until the corpus reaches the
requested size in UTF-8 bytes.  Articles are kept as they are (mostly prose,
with some Markdown links, tables and citations): that is what users convert.

Writes, into the output directory (``bench/out`` by default):

* ``corpus.md``        -- the raw articles repeated to size (mixed scripts)
* ``corpus-hant.txt``  -- ``corpus.md`` converted with the official OpenCC
                          binding, config ``s2t`` (Traditional input for t2s
                          and tw2sp)
* ``corpus-hans.txt``  -- ``corpus.md`` converted with official OpenCC ``t2s``
                          (Simplified input for s2t and s2twp)
* ``corpus.json``      -- manifest: sizes, sha256, sources, opencc version

It must run in an environment whose ``opencc`` module is the *official*
binding (``opencc==1.4.2``), not ``opencc-python-reimplemented``, which
installs a module of the same name; ``run.py`` runs it from
``bench/.venvs/opencc``.  Only the standard library and ``opencc`` are used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_SIZE = 5_000_000
SEPARATOR = "\n\n"


def sources(shared: Path) -> list[Path]:
    files = sorted((shared / "corpus").glob("*.md")) + sorted((shared / "seeds").glob("*.txt"))
    files = [f for f in files if f.name.lower() != "readme.md"]
    if not files:
        raise SystemExit(f"build_corpus: no articles found under {shared}/corpus or {shared}/seeds")
    return files


def build_raw(files: list[Path], size: int) -> tuple[str, int]:
    """Repeat whole articles (in a fixed order) until at least `size` bytes.

    Never cuts an article, so the overshoot is at most one article plus a
    separator (the largest article is ~24 KB, i.e. <0.5% of 5 MB).  For small
    sizes (--quick) the last article may overshoot more; that is reported.
    Returns the text and the number of complete passes over the sources.
    """
    texts = []
    for f in files:
        t = f.read_text(encoding="utf-8")
        # Normalise line endings only; content is kept as is.
        t = t.replace("\r\n", "\n").strip("\n")
        texts.append(t)
    parts: list[str] = []
    nbytes = 0
    sep_bytes = len(SEPARATOR.encode("utf-8"))
    passes = 0
    while nbytes < size:
        for t in texts:
            b = len(t.encode("utf-8"))
            if parts:
                nbytes += sep_bytes
            parts.append(t)
            nbytes += b
            if nbytes >= size:
                break
        else:
            passes += 1
    return SEPARATOR.join(parts) + "\n", passes


def official_opencc():
    try:
        import opencc  # noqa: PLC0415
    except ImportError as e:  # pragma: no cover - environment problem
        raise SystemExit(
            "build_corpus: needs the official OpenCC binding (pip install opencc==1.4.2); "
            "run it with bench/.venvs/opencc/bin/python, or just `python bench/run.py`"
        ) from e
    version = getattr(opencc, "__version__", None)
    if version is None or not hasattr(opencc, "opencc_clib"):
        raise SystemExit(
            f"build_corpus: module 'opencc' at {opencc.__file__} is not the official binding "
            "(opencc-python-reimplemented installs a module of the same name)"
        )
    return opencc, version


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sources_digest(files: list[Path]) -> str:
    """One sha256 over the source names and contents; run.py rebuilds when it changes."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode("utf-8") + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=DEFAULT_SIZE, help="target UTF-8 bytes (default 5,000,000)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared/ directory (default ../shared)")
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="output directory (default bench/out)")
    args = ap.parse_args(argv)

    files = sources(args.shared)
    raw, passes = build_raw(files, args.size)
    opencc, version = official_opencc()
    hant = opencc.OpenCC("s2t").convert(raw)
    hans = opencc.OpenCC("t2s").convert(raw)

    args.out.mkdir(parents=True, exist_ok=True)
    outputs = {"corpus.md": raw, "corpus-hant.txt": hant, "corpus-hans.txt": hans}
    manifest: dict = {
        "target_bytes": args.size,
        "sources": [str(f.relative_to(args.shared)) for f in files],
        "source_dir": str(args.shared),
        "sources_sha256": sources_digest(files),
        "complete_passes": passes,
        "opencc_version": version,
        "made_with": {"corpus-hant.txt": "official opencc s2t of corpus.md",
                      "corpus-hans.txt": "official opencc t2s of corpus.md"},
        "files": {},
    }
    for name, text in outputs.items():
        b = text.encode("utf-8")
        # newline="" keeps "\n" as is on every platform: byte-identity matters.
        (args.out / name).write_bytes(b)
        manifest["files"][name] = {"bytes": len(b), "chars": len(text), "lines": text.count("\n"),
                                   "sha256": sha256(b)}
    (args.out / "corpus.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    for name, info in manifest["files"].items():
        dev = (info["bytes"] - args.size) / args.size * 100
        print(f"{args.out / name}: {info['bytes']:,} bytes ({dev:+.2f}% of target), {info['chars']:,} chars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
