"""The shipped CGroups data: rebuildable from its source, and well formed."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import zlib
from pathlib import Path

import pytest

from zhnorm import cgroups
from zhnorm.cgroups import DATA_DIR, DEFAULT_GROUPS, DEFAULT_SUPPLEMENTS, GroupRule

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "cgroups"
FIXTURE_MALFORMED = 41  # 1 in Artist, 7 in KingOfFighters, 17 in 泰國人名, 16 in Valkyria


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_cgroups", ROOT / "scripts" / "build_cgroups.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shipped():
    index = json.loads((DATA_DIR / cgroups.INDEX_FILE).read_text(encoding="utf-8"))
    blob = (DATA_DIR / cgroups.BLOB_FILE).read_bytes()
    return index, blob


def _payload(entry, blob) -> bytes:
    return zlib.decompress(blob[entry["offset"] : entry["offset"] + entry["size"]])


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("cgroups")
    lines: list[str] = []
    report = _load_build_script().build(FIXTURE, out, lines.append, conflicts=False)
    index = json.loads((out / cgroups.INDEX_FILE).read_text(encoding="utf-8"))
    return report, index, (out / cgroups.BLOB_FILE).read_bytes(), lines


def test_fixture_rebuild_matches_shipped_groups(shipped, rebuilt):
    index, blob = shipped
    _, fixture_index, fixture_blob, _ = rebuilt
    by_name = {e["name"]: e for e in index["groups"]}
    assert len(fixture_index["groups"]) == len(list(FIXTURE.glob("*.json"))) == 9
    for entry in fixture_index["groups"]:
        ours = by_name[entry["name"]]
        for key in ("title", "description", "source", "rules", "sha256"):
            assert ours[key] == entry[key], (entry["name"], key)
        assert _payload(ours, blob) == _payload(entry, fixture_blob)


def test_fixture_build_reports_its_malformed_rules(rebuilt):
    report, index, _, lines = rebuilt
    malformed = [line for line in lines if line.startswith("malformed\t")]
    assert len(report.malformed) == len(malformed) == FIXTURE_MALFORMED
    assert index["totals"]["malformed"] == FIXTURE_MALFORMED
    assert index["totals"]["rules_kept"] == index["totals"]["rules_read"] - FIXTURE_MALFORMED
    assert any("泰國人名\t#0\tstray '|'" in line for line in malformed)
    assert any("Valkyria\t#15\tempty text for zh-cn" in line for line in malformed)


def test_fixture_names_come_from_module_paths(rebuilt):
    _, index, _, _ = rebuilt
    names = {e["name"]: e["title"] for e in index["groups"]}
    # Two modules both call themselves "KingOfFighters".
    assert names["King Of Fighters"] == names["KingOfFighters"] == "KingOfFighters"


def test_totals_are_consistent(shipped):
    index, blob = shipped
    totals, groups = index["totals"], index["groups"]
    assert totals == {"groups": 444, "rules_read": 73850, "rules_kept": 73457, "malformed": 393}
    assert len(groups) == totals["groups"]
    assert sum(e["rules"] for e in groups) == totals["rules_kept"]
    assert index["format"] == cgroups.FORMAT_VERSION
    assert index["attribution"]["licence"] == "CC BY-SA 4.0"
    assert len({e["name"].casefold() for e in groups}) == len(groups)


def test_blob_layout_and_checksums(shipped):
    index, blob = shipped
    position = 0
    for entry in index["groups"]:
        assert entry["offset"] == position
        position += entry["size"]
        payload = _payload(entry, blob)
        assert hashlib.sha256(payload).hexdigest() == entry["sha256"], entry["name"]
        assert len(json.loads(payload)) == entry["rules"]
    assert position == len(blob)


def test_every_rule_is_a_usable_table(shipped):
    index, blob = shipped
    for entry in index["groups"]:
        for item in json.loads(_payload(entry, blob)):
            rule = GroupRule.decode(item)
            where = (entry["name"], item)
            assert rule.bidirectional or rule.unidirectional, where
            assert all(v and t for v, t in rule.bidirectional.items()), where
            assert all(s and v for s, v, _ in rule.unidirectional), where
            assert all(rule.removes), where


def test_default_groups_exist_and_are_not_topic_groups(shipped):
    index, _ = shipped
    names = {e["name"] for e in index["groups"]}
    assert set(DEFAULT_GROUPS) | set(DEFAULT_SUPPLEMENTS) <= names
    for topic in ("Movie", "Anime", "Football", "NBA", "Games", "BirdG", "州邦", "Korea Comparison"):
        assert topic in names and topic not in DEFAULT_GROUPS + DEFAULT_SUPPLEMENTS


def test_notice_carries_the_attribution():
    notice = (DATA_DIR / "CGROUPS-NOTICE.md").read_text(encoding="utf-8")
    for needed in ("CC BY-SA 4.0", "Wikipedia contributors", "b13469d7c247c5ef87a83bcdf1d7d892f09e66da",
                   "2026-07-31", "Apache-2.0"):
        assert needed in notice
    assert "CC BY-SA 4.0" in (FIXTURE / "README.md").read_text(encoding="utf-8")
