#!/usr/bin/env python3
"""Create one venv per benchmark peer under ``bench/.venvs/<peer>``.

    python bench/setup_peers.py                 # all peers, skip ones already done
    python bench/setup_peers.py --peers opencc zhconv --force

Each peer gets its own environment because the official ``opencc`` binding and
``opencc-python-reimplemented`` both install a module named ``opencc``.
zhnorm gets ``bench/.venvs/zhnorm`` with ``pip install -e <repo>`` (the repo
this script sits in).  Versions are pinned in ``peers.py``.  A venv is
reused when its marker file records the same requirements (for zhnorm: the
same pyproject.toml); ``--force`` rebuilds it.  Uses the interpreter running this script (Python 3.11 here) to
create the venvs unless ``--python`` says otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import PEER_ORDER, PEERS  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENVS = BENCH / ".venvs"
MARKER = "zhnorm-bench.json"


def venv_python(peer: str) -> Path:
    return VENVS / peer / "bin" / "python"


def requirements(peer: str) -> list[str]:
    pip = PEERS[peer]["pip"]
    return ["-e", str(REPO)] if pip is None else list(pip)


def marker_data(peer: str) -> dict:
    data: dict = {"requirements": requirements(peer)}
    if PEERS[peer]["pip"] is None:
        # An editable install follows the source, but not new dependencies:
        # reinstall when pyproject.toml changes.
        data["pyproject_sha256"] = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    return data


def is_ready(peer: str) -> bool:
    marker = VENVS / peer / MARKER
    if not marker.exists() or not venv_python(peer).exists():
        return False
    try:
        return json.loads(marker.read_text()) == marker_data(peer)
    except ValueError:
        return False


def setup(peer: str, python: str, force: bool = False, quiet: bool = False) -> None:
    if not force and is_ready(peer):
        if not quiet:
            print(f"[setup] {peer}: ready ({VENVS / peer})")
        return
    target = VENVS / peer
    if target.exists():
        shutil.rmtree(target)
    print(f"[setup] {peer}: creating {target}", flush=True)
    subprocess.run([python, "-m", "venv", str(target)], check=True)
    py = str(venv_python(peer))
    cmd = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements(peer)]
    print(f"[setup] {peer}: {' '.join(cmd[1:])}", flush=True)
    subprocess.run(cmd, check=True)
    (target / MARKER).write_text(json.dumps(marker_data(peer)) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Create the benchmark peers' venvs.")
    ap.add_argument("--peers", nargs="+", default=PEER_ORDER, choices=PEER_ORDER)
    ap.add_argument("--python", default=sys.executable, help="interpreter used to create the venvs")
    ap.add_argument("--force", action="store_true", help="rebuild even if the venv looks ready")
    args = ap.parse_args(argv)
    failed = []
    for peer in args.peers:
        try:
            setup(peer, args.python, args.force)
        except subprocess.CalledProcessError as e:
            print(f"[setup] {peer}: FAILED ({e})", file=sys.stderr)
            failed.append(peer)
    if failed:
        print(f"[setup] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
