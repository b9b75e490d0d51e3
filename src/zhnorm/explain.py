"""Every change a conversion makes, where it is and why (like ``opencc --inspect``).

The compiled engine knows only final outputs, so explaining re-runs the
conversion on the reference model's terms (reference.py), keeping
provenance: the text is normalised, segmented by maximum forward match
with the same segmentation and name rules as the target's engine, and each
segment is traced through the chain's stages, remembering which
dictionary *file* each applied entry came from (flattening keeps a
per-entry source here; zhnorm.dictionary's own behaviour is unchanged and
the tests check both agree).  A name rule's segment is attributed to its
group and rule, or to the user's rule file and line.

A segment's characters start as one *piece* each; an entry that rewrites
some pieces merges them into one, so a change is exactly one dictionary
entry (or a chain of entries over the same text, e.g. 软件 →
STCharacters 軟件 → TWPhrases 軟體) and unchanged characters are never
reported.  The unchanged text and the changes' ``after`` concatenate to
exactly what ``Converter(target).convert`` returns; the tests check it on
the fixture articles for several targets.

Maximum forward match is leftmost-longest matching, so both segmentation
and each stage use an Aho-Corasick automaton over the reference model's
tables instead of its character-by-character loop (same result, ~50x
faster); text holding lone surrogates falls back to the loop.

With ``markup`` other than "plain", only the prose is explained: the page
goes through zhnorm.markup as ``Converter.convert(text, markup)`` does, the
gathered prose is traced as above, and each change is mapped back to the
page.  A change that markup splits (``**阿塞拜**疆``) is cut at the markup
when its length allows, else reported as one change per piece of prose;
``-{ }-`` rules and page rules are reported as "markup" changes.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import ahocorasick_rs

from .dictionary import _short_circuit, load_text_dict
from .names import NameLayer
from .opencc_config import DictSpec, GroupSpec, TextDictSpec, load_chain_spec
from .reference import ReferenceChain
from .shared import BuiltOnce, fork_safe
from .targets import resolve
from .argtypes import Groups, Rules, TargetLike

__all__ = ["Change", "Step", "explain", "flatten_with_source"]

MARKUPS = ("plain", "markdown", "wikitext", "html", "auto")


@dataclass(frozen=True)
class Step:
    """One rule or dictionary entry applied to a piece of text."""

    #: "names" (conversion groups, user rules), "opencc" (a dictionary
    #: stage), "normalization" (OpenCC's character normalisation) or
    #: "markup" (``-{ }-`` rules written in the page).
    stage: str
    #: The group ("地名"), rule file and line, dictionary file
    #: ("STPhrases.txt"), or markup rule kind.
    source: str
    before: str
    after: str
    #: The rule in ``-{ }-`` body syntax for "names" and "markup" steps.
    rule: str | None = None

    def describe(self) -> str:
        where = self.source if self.stage == "opencc" else f"{self.stage}:{self.source}"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where} {self.before}→{self.after}{rule}"

    def to_dict(self) -> dict:
        return {"stage": self.stage, "source": self.source, "before": self.before,
                "after": self.after, "rule": self.rule}


@dataclass(frozen=True)
class Change:
    """``text[start:end]`` (``before``) became ``after`` through ``steps``."""

    start: int
    end: int
    before: str
    after: str
    steps: tuple[Step, ...] = field(default=())

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def why(self) -> str:
        """The steps in one line, e.g. ``STCharacters.txt 软→軟; TWPhrases.txt 軟件→軟體``."""
        return "; ".join(step.describe() for step in self.steps)

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.stage for step in self.steps))

    def to_dict(self) -> dict:
        """A JSON-ready dict (for the CLI's report)."""
        return {"start": self.start, "end": self.end, "before": self.before, "after": self.after,
                "why": self.why, "steps": [step.to_dict() for step in self.steps]}


# -- dictionaries with provenance ----------------------------------------------


def flatten_with_source(spec: DictSpec) -> dict[str, tuple[str, str]]:
    """Like dictionary.flatten, with each value's dictionary file: key → (value, file)."""
    if isinstance(spec, TextDictSpec):
        return {k: (v, spec.file) for k, v in load_text_dict(spec.file).items()}
    assert isinstance(spec, GroupSpec)
    members = [flatten_with_source(child) for child in spec.dicts]
    if spec.policy == "union":
        merged: dict[str, tuple[str, str]] = {}
        for member in members:
            for key, value in member.items():
                merged.setdefault(key, value)
        return merged
    if spec.policy == "short_circuit":
        return _short_circuit(members)  # policy is value-agnostic
    raise ValueError(f"unsupported match policy {spec.policy!r}")


class _Matcher:
    """Leftmost-longest (= maximum forward) match of a table's keys."""

    def __init__(self, keys: Sequence[str]):
        self.keys = list(keys)
        self.longest = max(map(len, self.keys), default=0)
        self._automaton = None
        self._lock = fork_safe(threading.Lock())

    def _ac(self):
        if self._automaton is None:
            with self._lock:
                if self._automaton is None:
                    self._automaton = ahocorasick_rs.AhoCorasick(
                        self.keys,
                        matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                        implementation=ahocorasick_rs.Implementation.ContiguousNFA,
                    )
        return self._automaton

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(key index or -1, start, end) of each match, left to right."""
        if not self.keys or not text:
            return []
        try:
            return self._ac().find_matches_as_indexes(text)
        except UnicodeEncodeError:  # lone surrogates: the reference loop
            return self._find_slowly(text)

    def _find_slowly(self, text: str) -> list[tuple[int, int, int]]:
        keys = frozenset(self.keys)
        found, i, n = [], 0, len(text)
        while i < n:
            for length in range(min(self.longest, n - i), 0, -1):
                if text[i : i + length] in keys:
                    found.append((-1, i, i + length))
                    i += length
                    break
            else:
                i += 1
        return found


@dataclass
class _Stage:
    matcher: _Matcher
    values: list[str]
    sources: list[str]
    index: dict[str, int]

    @classmethod
    def of(cls, table: Mapping[str, tuple[str, str]]) -> "_Stage":
        keys = sorted(table)
        return cls(_Matcher(keys), [table[k][0] for k in keys], [table[k][1] for k in keys],
                   {k: i for i, k in enumerate(keys)})


# -- tracing ---------------------------------------------------------------------------


class _Tracer:
    """One chain (config + name rules) ready to explain text."""

    def __init__(self, config: str, layer: NameLayer | None):
        spec = load_chain_spec(config)
        reference = ReferenceChain.from_spec(spec, layer.pairs() if layer is not None else None)
        self.rules = reference.rules
        self.normalization: dict[str, tuple[str, str]] = {}
        for step in spec.normalization:
            for key, (value, file) in flatten_with_source(step).items():
                if key != value:
                    self.normalization.setdefault(key, (value, file))
        # Offsets below assume OpenCC's normalisation maps one code point to one.
        if any(len(k) != 1 or len(v) != 1 for k, (v, _) in self.normalization.items()):
            raise NotImplementedError(f"{config}: normalisation that changes length")
        seg = reference.segmentation
        self.segmentation = _Matcher(sorted(seg.table)) if seg is not None else None
        self.stages = [_Stage.of(flatten_with_source(stage)) for stage in spec.stages]
        self.names = _NameSources(layer)

    def explain(self, text: str) -> list[Change]:
        normalized, norm_steps = self._normalize(text)
        changes: list[Change | None] = []
        named: list[tuple[int, int, int, str, str]] = []  # slot, start, end, form, output
        for start, end in self._segments(normalized):
            segment = normalized[start:end]
            ruled = self.rules.get(segment)
            if ruled is None:
                changes.extend(self._trace(text, start, segment, norm_steps))
            elif ruled != text[start:end]:
                named.append((len(changes), start, end, segment, ruled))
                changes.append(None)  # filled below, once the rules' origins are known
        if named:
            origins = self.names.origins([(form, out) for _, _, _, form, out in named])
            for (slot, start, end, form, out), (source, rule) in zip(named, origins):
                norm = tuple(s for i in range(start, end) if (s := norm_steps.get(i)))
                step = Step("names", source, form, out, rule)
                changes[slot] = Change(start, end, text[start:end], out, (*norm, step))
        return changes

    def _normalize(self, text: str) -> tuple[str, dict[int, Step]]:
        table = self.normalization
        if not table or not any(ch in table for ch in set(text)):
            return text, {}
        steps: dict[int, Step] = {}
        out = list(text)
        for i, ch in enumerate(text):
            hit = table.get(ch)
            if hit is not None:
                out[i] = hit[0]
                steps[i] = Step("normalization", hit[1], ch, hit[0])
        return "".join(out), steps

    def _segments(self, text: str) -> list[tuple[int, int]]:
        """OpenCC's segments: keys of the segmentation table, and the runs between them."""
        if not text:
            return []
        if self.segmentation is None:
            return [(0, len(text))]
        bounds, gap = [], 0
        for _, start, end in self.segmentation.find(text):
            if gap < start:
                bounds.append((gap, start))
            bounds.append((start, end))
            gap = end
        if gap < len(text):
            bounds.append((gap, len(text)))
        return bounds

    def _trace(self, text: str, offset: int, segment: str, norm_steps: dict[int, Step]) -> list[Change]:
        """The changes inside one segment, one per rewritten piece."""
        # Pieces: [start, end) in the segment, current text, steps so far.
        pieces: list[list] | None = None
        current = segment
        for stage in self.stages:
            found = stage.matcher.find(current)
            hits = []
            for index, start, end in found:
                key = current[start:end]
                if index < 0:
                    index = stage.index[key]
                value = stage.values[index]
                if value != key:
                    hits.append((start, end, Step("opencc", stage.sources[index], key, value)))
            if not hits:
                continue
            if pieces is None:
                pieces = [[i, i + 1, ch, ()] for i, ch in enumerate(segment)]
            pieces = _rewrite(pieces, hits)
            current = "".join(p[2] for p in pieces)
        changes = []
        if pieces is None:
            if norm_steps:
                for i in range(offset, offset + len(segment)):
                    step = norm_steps.get(i)
                    if step is not None:
                        changes.append(Change(i, i + 1, text[i], segment[i - offset], (step,)))
            return changes
        for start, end, out, steps in pieces:
            a, b = offset + start, offset + end
            before = text[a:b]
            if out != before:
                norm = tuple(s for i in range(a, b) if (s := norm_steps.get(i))) if norm_steps else ()
                changes.append(Change(a, b, before, out, (*norm, *steps)))
        return changes


def _rewrite(pieces: list[list], hits: list[tuple[int, int, Step]]) -> list[list]:
    """Apply one stage's rewriting matches (sorted, disjoint; offsets in the
    pieces' joined text) to the pieces: the pieces a match touches merge."""
    bounds = [0]
    for p in pieces:
        bounds.append(bounds[-1] + len(p[2]))
    out: list[list] = []
    done = 0  # pieces[:done] are in out
    open_piece = -1  # the piece out[-1] ends inside of, after the last match
    cut_src = cut_out = 0  # where that match ended: in the stage input, in out[-1]
    for start, end, step in hits:
        first = bisect_right(bounds, start) - 1
        last = bisect_right(bounds, end - 1) - 1
        if first == open_piece:  # a second match in a piece already rewritten
            base = out.pop()
            head = base[2][: cut_out + start - cut_src]
            tail = base[2][cut_out + end - cut_src:] if last == first else None
        else:
            out.extend(pieces[done:first])
            base = pieces[first]
            head = base[2][: start - bounds[first]]
            tail = base[2][end - bounds[first]:] if last == first else None
        steps = base[3]
        if last != first:
            tail = pieces[last][2][end - bounds[last]:]
            steps = (*steps, *(s for p in pieces[first + 1 : last + 1] for s in p[3]))
        text = head + step.after
        out.append([base[0], pieces[last][1], text + tail, (*steps, step)])
        done, open_piece, cut_src, cut_out = last + 1, last, end, len(text)
    out.extend(pieces[done:])
    return out


# -- where a name rule comes from -------------------------------------------------------


class _NameSources:
    """Finds the group (or rule file) and rule behind a name-layer pair.

    The layer merges tables (see cgroups.group_table); this searches them
    in the layer's precedence order, user rules first, for a rule that maps
    the form (as written or in the other script) to the output.
    """

    def __init__(self, layer: NameLayer | None):
        from . import cgroups

        self.order: list = []
        if layer is None:
            return
        self.variant = layer.variant
        order = self.order
        if layer.rules:
            order.append(("rules", layer.rules))
        for name in reversed(layer.groups):  # a later caller group wins
            order.append(("group", cgroups.load_group(name)))
        if layer.default_groups:
            for name in (*cgroups.DEFAULT_GROUPS, *cgroups.DEFAULT_SUPPLEMENTS):
                order.append(("group", cgroups.load_group(name)))
        self._index: dict[int, dict[str, list[int]]] = {}

    def _rules_of(self, kind, item):
        if kind == "rules":
            return [r.as_group_rule() for r in item]
        return list(item.rules)

    def _forms_index(self, k: int) -> dict[str, list[int]]:
        index = self._index.get(k)
        if index is None:
            from .cgroups import opencc_script_forms

            kind, item = self.order[k]
            rules = self._rules_of(kind, item)
            written = [
                [*r.bidirectional.values(), *(s for s, _, _ in r.unidirectional)] for r in rules
            ]
            all_forms = sorted({f for forms in written for f in forms})
            derived = dict(zip(all_forms, opencc_script_forms(all_forms)))
            index = {}
            for i, forms in enumerate(written):
                for f in {g for form in forms for g in (form, *derived[form])}:
                    index.setdefault(f, []).append(i)
            self._index[k] = index
        return index

    def origins(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
        """(source, rule text) for each (form, output)."""
        from .cgroups import opencc_script_forms

        return [self._origin(form, out, opencc_script_forms) for form, out in pairs]

    def _origin(self, form: str, out: str, script_forms) -> tuple[str, str | None]:
        for k, (kind, item) in enumerate(self.order):
            candidates = self._forms_index(k).get(form)
            if not candidates:
                continue
            rules = self._rules_of(kind, item) if kind == "rules" else item.rules
            for i in reversed(candidates):  # a later rule wins within a group
                rule = rules[i]
                for key, value in rule.pairs(self.variant):
                    if value == out and (key == form or form in script_forms([key])[0]):
                        if kind == "rules":
                            source = item[i].source or "rules"
                        else:
                            source = item.name
                        return source, _rule_text(rule)
        return "names", None


def _rule_text(rule) -> str:
    parts = [f"{v}:{t}" for v, t in rule.bidirectional.items()]
    parts += [f"{s}=>{v}:{t}" for s, v, t in rule.unidirectional]
    return ";".join(parts)


# -- entry point ----------------------------------------------------------------------------

_tracer = BuiltOnce(_Tracer)  # (config, layer) -> _Tracer


class _NoChanges:
    """The tracer of the zh target, which converts no text."""

    @staticmethod
    def explain(text: str) -> list:
        return []


_NO_CHANGES = _NoChanges()


def explain(
    text: str,
    target: TargetLike,
    *,
    groups: Groups = (),
    rules: Rules = (),
    default_groups: bool = True,
    markup: str = "plain",
    filename: str | None = None,
) -> list[Change]:
    """Every change converting *text* to *target* makes, in order.

    Arguments mean what they mean for ``Converter(target, groups, rules=…,
    default_groups=…).convert(text, markup)`` (with *filename*, what
    ``convert_markup(text, markup, filename=filename)`` means), whose
    output the changes rebuild exactly.  The first call for a target builds the reference
    tables (a few seconds); later calls reuse them.
    """
    from .converter import _check_text

    _check_text(text)
    if markup not in MARKUPS:
        raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
    resolved = resolve(target)
    layer = NameLayer.for_target(resolved.variant, groups, default_groups, rules)
    from .converter import Converter

    converter = Converter(resolved, groups, default_groups=default_groups, rules=rules)
    if markup == "plain":
        if not resolved.converts:  # target zh: plain text has no rules to resolve
            return []
        changes = _tracer(resolved.config, layer).explain(text)
        return _as_converted(text, changes, converter.convert(text))
    return _explain_markup(text, markup, converter, filename)


def _as_converted(text: str, changes: list[Change], converted: str) -> list[Change]:
    """`changes`, checked against what the conversion returned.

    The trace re-derives the conversion on the reference model's terms, and
    the tests hold the two equal; should they ever differ, the explanation
    must still rebuild the output: the changes agree up to some point are
    kept, and the rest of the difference is reported as one change (and
    logged, since it is a bug in one of the two)."""
    delta = prev = 0  # output offset minus input offset; end of the last change kept
    for k, c in enumerate(changes):
        at = c.start + delta
        if (text[prev:c.start] != converted[prev + delta:at]
                or converted[at:at + len(c.after)] != c.after):
            break
        delta += len(c.after) - len(c.before)
        prev = c.end
    else:
        if text[prev:] == converted[prev + delta:]:
            return changes
        k = len(changes)
    # Everything from `prev` on: trim what the two ends share.
    rest, out = text[prev:], converted[prev + delta:]
    log = logging.getLogger("zhnorm")
    if rest == out:  # the trace claims changes the conversion did not make
        log.warning("explain: the trace and the conversion differ after offset %d; changes dropped", prev)
        return changes[:k]
    head = 0
    while head < min(len(rest), len(out)) and rest[head] == out[head]:
        head += 1
    tail = 0
    while tail < min(len(rest), len(out)) - head and rest[-1 - tail] == out[-1 - tail]:
        tail += 1
    start, end = prev + head, len(text) - tail
    after = out[head:len(out) - tail]
    log.warning("explain: the trace and the conversion differ at offset %d; reported as one change", start)
    steps = tuple(s for c in changes[k:] if c.start < end for s in c.steps)
    step = Step("opencc", "conversion", text[start:end], after)
    return [*changes[:k], Change(start, end, text[start:end], after, (*steps, step))]


def _page_layer(converter, text: str, kind: str) -> NameLayer | None:
    """The name layer a page is traced with: the converter's, plus the
    groups a wikitext page switches on with {{NoteTA|G1=…}}.

    Only the attribution depends on this: the outputs explained are those of
    the converter's own page engine (see _explain_markup), so a page that
    converts differently from this layer's tracing is still rebuilt exactly,
    with its changes reported whole."""
    variant = converter.target.variant
    extra: tuple[str, ...] = ()
    if kind == "wikitext" and variant is not None:
        from .names import groups_named_by_noteta

        extra = tuple(g for g in groups_named_by_noteta(text) if g not in converter.groups)
    return NameLayer.for_target(variant, (*converter.groups, *extra), converter.default_groups, converter.rules)


def _explain_markup(text: str, markup: str, converter, filename: str | None = None) -> list[Change]:
    from .converter import _NO_CONTENT_CONVERT
    from .markup import explain as markup_explain, sniff

    # Exactly what Converter.convert_markup does with the page: the same
    # markup kind, the page's own converter (page groups included) and the
    # same choice of keeping -{ }- rules (wikitext) or resolving them.
    kind = sniff(text, filename) if markup == "auto" else markup
    if kind == "plain" and markup == "auto":
        kind = "rules"  # as Converter.convert_markup reads text with no other markup
    if kind == "wikitext" and _NO_CONTENT_CONVERT.search(text):
        return []  # __NOCONTENTCONVERT__: the page is not converted at all
    convert = converter._page_converter(text, kind)
    manual_rules = "keep" if kind == "wikitext" else "resolve"
    if converter.target.converts:
        tracer = _tracer(converter.target.config, _page_layer(converter, text, kind))
    else:  # target zh: only -{ }- rules can change anything
        tracer = _NO_CHANGES
    tokens = markup_explain(text, markup, convert, converter.target.variant, manual_rules=manual_rules,
                            filename=filename)
    # The prose as the markup layer converts it: convertible pieces, "\n" at breaks.
    pieces: list[tuple[int, int]] = []  # (token index, offset in joined)
    joined_parts: list[str] = []
    pos, sep = 0, True
    for i, (token, _) in enumerate(tokens):
        if token.convertible:
            pieces.append((i, pos))
            joined_parts.append(token.text)
            pos += len(token.text)
            sep = False
        elif token.breaks and not sep:
            joined_parts.append("\n")
            pos += 1
            sep = True
    prose_changes = tracer.explain("".join(joined_parts))
    starts = [c.start for c in prose_changes]
    by_token: dict[int, tuple[int, int]] = {i: (p, p + len(tokens[i][0].text)) for i, p in pieces}
    changes: list[Change] = []
    for i, (token, out) in enumerate(tokens):
        if token.convertible:
            if out == token.text:
                continue
            a, b = by_token[i]
            # Changes are sorted and disjoint: those overlapping [a, b) start
            # between the last one starting at or before a and b.
            lo = max(bisect_right(starts, a) - 1, 0)
            inside = [c for c in prose_changes[lo:bisect_left(starts, b, lo)] if c.end > a]
            changes.extend(_place(token, out, a, b, inside))
        elif out != token.text:
            rule = (token.meta or {}).get("body") if token.type == "conv_rule" else None
            kind = "-{ }-" if token.type == "conv_rule" else token.type
            step = Step("markup", kind, token.text, out, rule)
            changes.append(Change(token.start, token.end, token.text, out, (step,)))
    return changes


def _place(token, out: str, a: int, b: int, inside: list[Change]) -> list[Change]:
    """The prose changes inside one token, in page offsets; one change for
    the whole token where markup cut a change in a way that cannot be mapped."""
    parts, pos, placed = [], a, []
    for c in inside:
        if c.start < a or c.end > b:
            if len(c.before) != len(c.after):
                break
            lo, hi = max(c.start, a), min(c.end, b)
            before, after = c.before[lo - c.start: hi - c.start], c.after[lo - c.start: hi - c.start]
        else:
            lo, hi, before, after = c.start, c.end, c.before, c.after
        parts.append(token.text[pos - a: lo - a])
        parts.append(after)
        pos = hi
        if before != after:
            placed.append(Change(token.start + lo - a, token.start + hi - a, before, after, c.steps))
    else:
        parts.append(token.text[pos - a:])
        if "".join(parts) == out:
            return placed
    steps = tuple(s for c in inside for s in c.steps)
    if not steps:  # the markup layer converted this piece on its own
        steps = (Step("markup", token.type, token.text, out, None),)
    return [Change(token.start, token.end, token.text, out, steps)]
