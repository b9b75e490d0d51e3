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

        Rules (source form → output) take part in segmentation and give
        their segment's output directly. How they meet OpenCC's phrases
        depends on the kind of rule (see :class:`RuleTable`):

        * names (conversion groups) compete with OpenCC's phrases in one
          leftmost-longest match, as MediaWiki matches its rules and tables
          together, so a name never fires inside a longer word (尼亚美 inside
          爱沙尼亚美术). A phrase that begins or ends with a name writes the
          name's form (格鲁吉亚共和国 → 喬治亞共和國);
        * priority rules (a user's rules, the corrections of tag targets)
          win over every phrase they overlap: a phrase containing one is
          left out, and a phrase that runs into one from the left is
          replaced by itself joined to the rule (被发 + 发明 → 被发明).
        """
        normalization: dict[str, str] = {}
        for step in spec.normalization:
            normalization.update(flatten(step))
        stages = tuple(Stage.of(flatten(stage)) for stage in spec.stages)
        segmentation = flatten(spec.segmentation) if spec.segmentation else None
        fixed: dict[str, str] = {}
        if rules:
            if segmentation is None:
                if len(stages) != 1:
                    raise ValueError(f"{spec.name}: several stages need a segmentation")
                segmentation = dict(stages[0].table)
            segmentation, fixed = _merge_rules(segmentation, stages, rules)
        return cls(
            normalization=normalization,
            segmentation=Stage.of(segmentation) if segmentation is not None else None,
            stages=stages,
            rules=fixed,
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


class RuleTable(dict):
    """Rules (source form → output) with the keys that take priority.

    A plain mapping holds names only; ``priority`` lists the keys that beat
    any overlapping phrase (see ReferenceChain.from_spec).
    """

    priority: frozenset = frozenset()
    #: Keys that stand for OpenCC's own conversion of themselves: they keep a
    #: short name from matching where its context says it is not the name
    #: (戈尔 inside 纳戈尔诺 is blocked by the key 纳戈尔). Their value is
    #: ignored; the merge computes it.
    plain: frozenset = frozenset()
    #: Words (corrections of OpenCC's choices) that compete with OpenCC's
    #: phrases like names but, unlike a name, never rewrite a longer phrase
    #: that contains them (文件 → 文件 leaves 文件系统 → 檔案系統 alone).
    words: frozenset = frozenset()

    def __init__(self, names: Mapping[str, str] = (), priority: Mapping[str, str] = (), plain=(),
                 words: Mapping[str, str] = ()):
        super().__init__(names)
        words, priority = dict(words), dict(priority)
        self.plain = frozenset(k for k in plain if k not in self and k not in priority and k not in words)
        self.update(dict.fromkeys(self.plain, ""))
        self.update(words)
        self.update(priority)
        self.priority = frozenset(priority)
        self.words = frozenset(k for k in words if k not in priority)

    def __reduce__(self):
        return (_rule_table, (dict(self), tuple(sorted(self.priority)), tuple(sorted(self.plain)),
                              tuple(sorted(self.words))))


def _rule_table(items: dict, priority: tuple, plain: tuple = (), words: tuple = ()) -> RuleTable:
    skip = set(priority) | set(plain) | set(words)
    return RuleTable({k: v for k, v in items.items() if k not in skip},
                     {k: items[k] for k in priority}, plain, {k: items[k] for k in words})


def _run_stages(stages: Sequence[Stage], text: str) -> str:
    for stage in stages:
        text = stage.convert(text)
    return text


def _max_match(text: str, table, longest: int) -> list[tuple[int, int, bool]]:
    """Leftmost-longest segments of text: (start, end, is a key); `table`
    is a container or a predicate."""
    found = table if callable(table) else table.__contains__
    out, gap, i, n = [], 0, 0, len(text)
    while i < n:
        for length in range(min(longest, n - i), 0, -1):
            if found(text[i : i + length]):
                if gap < i:
                    out.append((gap, i, False))
                out.append((i, i + length, True))
                i += length
                gap = i
                break
        else:
            i += 1
    if gap < n:
        out.append((gap, n, False))
    return out


def _merge_rules(
    segmentation: Mapping[str, str], stages: Sequence[Stage], rules: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Segmentation keys with the rules merged in, and every key's fixed output."""
    priority_keys = getattr(rules, "priority", frozenset())
    plain_keys = getattr(rules, "plain", frozenset())
    word_keys = getattr(rules, "words", frozenset())
    names = {
        k: v for k, v in rules.items() if k not in priority_keys and k not in plain_keys and k not in word_keys
    }
    priority = {k: rules[k] for k in priority_keys}
    words = {k: rules[k] for k in word_keys}
    merged = dict(segmentation)
    if plain_keys:
        seg_longest = max(map(len, segmentation), default=0)
        stage_output: dict[str, str] = {}

        def changes(name: str) -> bool:
            """Whether the name's form differs from OpenCC's own output, so
            blocking it matters (a blocker takes its neighbour with it)."""
            if name not in names:
                return False
            if name not in stage_output:
                stage_output[name] = _run_stages(stages, name)
            return names[name] != stage_output[name]

        for key in plain_keys:
            if not (changes(key[1:]) or changes(key[:-1])):
                continue
            names[key] = "".join(
                _run_stages(stages, key[a:b]) for a, b, _ in _max_match(key, segmentation, seg_longest)
            )
    if words:
        # A word is a new segmentation key, and a key cuts the unmatched text
        # that a stage would have matched as one phrase (資料 would split
        # 資料庫 → 数据库). So every stage phrase that holds a word becomes a
        # key too, with the output OpenCC gives it.
        word_longest = max(map(len, words))
        for stage in stages:
            for key in stage.table:
                if (
                    len(key) > 1
                    and key not in words
                    and key not in names
                    and key not in segmentation
                    and contains_key(key, words, min(word_longest, len(key) - 1))
                ):
                    names[key] = _run_stages(stages, key)
    fixed: dict[str, str] = {**names, **words}
    inside = {**names, **words}
    if inside:
        longest = max(map(len, inside))
        later = [stage.table for stage in stages[1:]]
        for key in segmentation:
            if len(key) < 2 or key in inside or not contains_key(key, inside, min(longest, len(key) - 1)):
                continue
            # The phrase holds a name or a word. Segment the phrase with
            # them and the shorter phrases: if that changes nothing the
            # phrase agrees; if one opens or closes it, the phrase is that
            # name plus more and writes the name's form; one strictly
            # inside is a fragment, and the phrase wins. A word never
            # rewrites a phrase that a later stage has as its own entry
            # (文件名 → 檔名 stays OpenCC's).
            pieces = _max_match(key, lambda t: t in inside or t in segmentation, len(key) - 1)
            out = "".join(
                inside[key[a:b]] if is_key and key[a:b] in inside else _run_stages(stages, key[a:b])
                for a, b, is_key in pieces
            )
            if out == _run_stages(stages, key):
                continue
            edges = [
                key[a:b] for a, b, is_key in pieces
                if is_key and key[a:b] in inside and (a == 0 or b == len(key))
            ]
            if not edges:
                continue
            if all(edge in words for edge in edges) and stages and any(
                stages[0].convert(key) in table for table in later
            ):
                continue
            fixed[key] = out
        merged.update(inside)
    if priority:
        longest = max(map(len, priority))
        base_keys = dict(merged)
        base_longest = max(map(len, base_keys), default=0)

        def convert_plain(text: str) -> str:
            return "".join(
                fixed.get(text[a:b]) or _run_stages(stages, text[a:b])
                for a, b, _ in _max_match(text, base_keys, base_longest)
            )

        prefixes: dict[str, list[str]] = {}
        for rule in priority:
            for j in range(1, len(rule)):
                prefixes.setdefault(rule[:j], []).append(rule)
        joined: dict[str, str] = {}
        for key in base_keys:
            if len(key) < 2:
                continue
            for j in range(1, len(key)):
                head = key[:j]
                if contains_key(head, priority, min(longest, len(head))):
                    continue
                for rule in prefixes.get(key[j:], ()):
                    joined.setdefault(head + rule, convert_plain(head) + priority[rule])
        kept = {
            k: v
            for k, v in merged.items()
            if k in priority or not contains_key(k, priority, min(longest, len(k)))
        }
        for key in list(fixed):
            if key not in kept:
                del fixed[key]
        for key, out in joined.items():
            if key not in priority:
                kept[key] = out
                fixed[key] = out
        kept.update(priority)
        fixed.update(priority)
        merged = kept
    return merged, fixed
