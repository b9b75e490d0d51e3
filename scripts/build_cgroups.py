#!/usr/bin/env python3
"""Build zhnorm's CGroups package data from the collected Module:CGroup pages.

    python scripts/build_cgroups.py [--source DIR] [--out DIR]

Reads every ``*.json`` in --source (default: ../shared/cgroups beside the
repository), parses each rule with :func:`zhnorm.rules.parse_rule_strict`
the way Wikipedia uses it (``-{H|<conv>}-``), reports malformed rules on
stderr and leaves them out, then writes ``cgroups.index.json`` and
``cgroups.bin`` into --out (default: src/zhnorm/data).  It also reports the
source forms that the default groups map to different targets; those are
left to OpenCC at run time (see zhnorm.cgroups.group_table).

The output depends only on the input files, so the data can be checked by
rebuilding.  Exit status is 0 unless the input cannot be read at all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from zhnorm.cgroups import (  # noqa: E402
    BLOB_FILE,
    DEFAULT_GROUPS,
    DEFAULT_SUPPLEMENTS,
    FORMAT_VERSION,
    INDEX_FILE,
    Group,
    GroupInfo,
    GroupRule,
    group_table,
)
from zhnorm.rules import RuleSyntaxError, parse_rule_strict  # noqa: E402
from zhnorm.variants import VARIANTS  # noqa: E402

DEFAULT_SOURCE = REPO.parent / "shared" / "cgroups"
DEFAULT_OUT = REPO / "src" / "zhnorm" / "data"
REGIONAL_TARGETS = ("zh-tw", "zh-cn", "zh-hk", "zh-sg", "zh-mo")

ATTRIBUTION = {
    "text": "Wikipedia contributors, Chinese Wikipedia Module:CGroup pages",
    "licence": "CC BY-SA 4.0",
    "licence_url": "https://creativecommons.org/licenses/by-sa/4.0/",
    "collected_by": "zhconv-rs data/cgroups",
    "collected_at_commit": "b13469d7c247c5ef87a83bcdf1d7d892f09e66da",
    "collected_on": "2026-07-31",
    "notice": "CGROUPS-NOTICE.md",
}
_TRIM = " \t\n\r\0\x0b"


@dataclass
class BuildReport:
    rules_read: int = 0
    malformed: list[tuple[str, int, str, str]] = field(default_factory=list)
    conflicts: dict[str, dict] = field(default_factory=dict)

    @property
    def rules_kept(self) -> int:
        return self.rules_read - len(self.malformed)


def parse_entry(conv: object) -> tuple[object, tuple[str, ...]]:
    """Parse one group entry's ``conv`` text; returns (Rule, removed forms).

    A ``conv`` may end with ``}--{-|form}-`` pieces: Wikipedia editors close
    the rule early and add removal rules so that a form is not converted.
    """
    if not isinstance(conv, str):
        raise RuleSyntaxError(f"conv is {type(conv).__name__}, not text")
    head, *tails = conv.split("}-")
    removes: dict[str, None] = {}
    for position, tail in enumerate(tails):
        piece = tail.strip(_TRIM)
        if not piece and position == len(tails) - 1:
            continue
        if not piece.startswith("-{"):
            raise RuleSyntaxError(f"text after '}}-' is not a rule: {tail!r}")
        extra = parse_rule_strict(piece[2:])
        if extra.action != "remove":
            raise RuleSyntaxError(f"only -{{-|…}}- may follow the rule, not {piece!r}")
        for v in VARIANTS:
            removes.update(dict.fromkeys(source for source, _ in extra.pairs(v)))
    if "-{" in head:
        raise RuleSyntaxError("nested -{ in rule")
    if "|" in head and "[[" not in head:
        raise RuleSyntaxError(f"stray '|' (template parameter?) in {head!r}")
    return parse_rule_strict("H|" + head), tuple(removes)


def read_group(path: Path, report: BuildReport, log) -> Group:
    data = json.loads(path.read_text(encoding="utf-8"))
    source = str(data.get("path") or f"Module:CGroup/{path.stem}")
    name = source.split("CGroup/", 1)[1] if "CGroup/" in source else path.stem
    rules = []
    for index, item in enumerate(data.get("rules") or []):
        report.rules_read += 1
        conv = item.get("conv") if isinstance(item, dict) else None
        try:
            rule, removes = parse_entry(conv)
        except RuleSyntaxError as error:
            report.malformed.append((name, index, str(error), str(conv)))
            log(f"malformed\t{name}\t#{index}\t{error}")
            continue
        original = item.get("original")
        rules.append(
            GroupRule(
                original=original if isinstance(original, str) else None,
                bidirectional=rule.bidirectional,
                unidirectional=rule.unidirectional,
                removes=removes,
            )
        )
    info = GroupInfo(
        name=name,
        title=str(data.get("name") or name).strip(),
        description=str(data.get("description") or "").strip(),
        rule_count=len(rules),
        source=source,
    )
    return Group(info, tuple(rules))


def encode(groups: list[Group], report: BuildReport) -> tuple[dict, bytes]:
    entries, blob = [], bytearray()
    for group in groups:
        payload = json.dumps(
            [rule.encode() for rule in group.rules], ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        packed = zlib.compress(payload, 9)
        entries.append(
            {
                "name": group.info.name,
                "title": group.info.title,
                "description": group.info.description,
                "source": group.info.source,
                "rules": group.info.rule_count,
                "offset": len(blob),
                "size": len(packed),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        )
        blob += packed
    index = {
        "format": FORMAT_VERSION,
        "generated_by": "scripts/build_cgroups.py",
        "attribution": ATTRIBUTION,
        "totals": {
            "groups": len(groups),
            "rules_read": report.rules_read,
            "rules_kept": report.rules_kept,
            "malformed": len(report.malformed),
        },
        "groups": entries,
    }
    return index, bytes(blob)


def find_conflicts(groups: list[Group], report: BuildReport, log) -> None:
    """Report forms that default groups map differently (per target)."""
    by_name = {g.info.name: g for g in groups}
    for missing in (n for n in (*DEFAULT_GROUPS, *DEFAULT_SUPPLEMENTS) if n not in by_name):
        log(f"warning\tdefault group {missing!r} is not in the source")
    for variant in REGIONAL_TARGETS:
        found: dict[str, tuple] = {}
        for tier in (DEFAULT_GROUPS, DEFAULT_SUPPLEMENTS):
            present = [by_name[n] for n in tier if n in by_name]
            table = group_table(present, variant, conflicts="drop")
            for form, seen in table.conflicts.items():
                found.setdefault(form, seen)
        report.conflicts[variant] = found
        for form, seen in sorted(found.items()):
            readings = "; ".join(f"{g}:{t}" for g, t in seen)
            log(f"conflict\t{variant}\t{form}\t{readings}")


def build(source: Path, out: Path, log=lambda line: None, conflicts: bool = True) -> BuildReport:
    files = sorted(source.glob("*.json"))
    if not files:
        raise SystemExit(f"no *.json files in {source}")
    report = BuildReport()
    groups = [read_group(path, report, log) for path in files]
    groups.sort(key=lambda g: (g.info.name.casefold(), g.info.name))
    index, blob = encode(groups, report)
    out.mkdir(parents=True, exist_ok=True)
    (out / BLOB_FILE).write_bytes(blob)
    (out / INDEX_FILE).write_text(
        json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    if conflicts:
        find_conflicts(groups, report, log)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Module:CGroup JSON files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the data")
    parser.add_argument("--no-conflicts", action="store_true", help="skip the conflict report")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr)

    report = build(args.source, args.out, log, conflicts=not args.no_conflicts)
    conflict_total = sum(len(c) for c in report.conflicts.values())
    print(
        f"{report.rules_read} rules read, {report.rules_kept} kept, "
        f"{len(report.malformed)} malformed (skipped); "
        f"{conflict_total} conflicting source forms in the default groups "
        f"over {len(report.conflicts)} targets",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
