"""A direct, unoptimised model of OpenCC's conversion algorithm.

It is the definition the fast engine is checked against, it computes the
compiled tables, and the engine falls back to it for the rare stretches of
text where a compiled shortcut would not be exact. It follows OpenCC:
normalise characters, segment by maximum forward match with the segmentation
dictionary (runs of unmatched characters form one segment), then let every
stage of the chain convert each segment by maximum forward match *within*
that segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .dictionary import contains_key, flatten, max_key_length
from .opencc_config import ChainSpec


@dataclass(frozen=True)
class Stage:
    """One flattened dictionary and the length of its longest key."""

    table: Mapping[str, str]
    longest: int

    @classmethod
    def of(cls, table: Mapping[str, str]) -> "Stage":
        return cls(table, max_key_length(table))

    def convert(self, segment: str) -> str:
        """Maximum forward match of this stage's keys inside one segment."""
        table, out, i, n = self.table, [], 0, len(segment)
        while i < n:
            for length in range(min(self.longest, n - i), 0, -1):
                value = table.get(segment[i : i + length])
                if value is not None:
                    out.append(value)
                    i += length
                    break
            else:
                out.append(segment[i])
                i += 1
        return "".join(out)


@dataclass(frozen=True)
class ReferenceChain:
    """Normalisation, segmentation and stages of one OpenCC configuration."""

    normalization: Mapping[str, str]
    segmentation: Stage | None
    stages: Sequence[Stage]
    rules: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: ChainSpec, rules: Mapping[str, str] | None = None) -> "ReferenceChain":
        """The chain of an OpenCC config, optionally with phrase rules on top.

        Rules (source form → output) take part in segmentation like
        dictionary phrases and give their segment's output directly. A
        dictionary phrase that contains a rule's source form is left out of
        segmentation, so the rule is never hidden inside a longer phrase
        (格鲁吉亚 inside 格鲁吉亚共和国).
        """
        normalization: dict[str, str] = {}
        for step in spec.normalization:
            normalization.update(flatten(step))
        stages = tuple(Stage.of(flatten(stage)) for stage in spec.stages)
        segmentation = flatten(spec.segmentation) if spec.segmentation else None
        if rules:
            if segmentation is None:
                if len(stages) != 1:
                    raise ValueError(f"{spec.name}: several stages need a segmentation")
                segmentation = dict(stages[0].table)
            segmentation = _merge_rules(segmentation, rules)
        return cls(
            normalization=normalization,
            segmentation=Stage.of(segmentation) if segmentation is not None else None,
            stages=stages,
            rules=dict(rules or {}),
        )

    def convert(self, text: str) -> str:
        text = "".join(self.normalization.get(ch, ch) for ch in text)
        return "".join(self.convert_segment(segment) for segment in self.segment(text))

    def convert_segment(self, segment: str) -> str:
        ruled = self.rules.get(segment)
        if ruled is not None:
            return ruled
        for stage in self.stages:
            segment = stage.convert(segment)
        return segment

    def segment(self, text: str) -> list[str]:
        """Split text as OpenCC's max-match segmentation does."""
        if self.segmentation is None:
            return [text] if text else []
        table, longest = self.segmentation.table, self.segmentation.longest
        segments: list[str] = []
        gap_start, i, n = 0, 0, len(text)
        while i < n:
            for length in range(min(longest, n - i), 0, -1):
                if text[i : i + length] in table:
                    if gap_start < i:
                        segments.append(text[gap_start:i])
                    segments.append(text[i : i + length])
                    i += length
                    gap_start = i
                    break
            else:
                i += 1  # unmatched characters gather into one segment
        if gap_start < n:
            segments.append(text[gap_start:])
        return segments


def _merge_rules(segmentation: Mapping[str, str], rules: Mapping[str, str]) -> dict[str, str]:
    """Segmentation keys plus rule keys, without keys that contain a rule key."""
    longest = max(map(len, rules))

    def hides_a_rule(key: str) -> bool:
        return contains_key(key, rules, min(longest, len(key) - 1))

    merged = {k: v for k, v in segmentation.items() if not hides_a_rule(k)}
    merged.update(rules)
    return merged
