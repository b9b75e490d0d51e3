"""Users' own name rules, read from a file and put above every group.

A project may need forms that Wikipedia's groups lack or get wrong for it
(a company's name, a house style).  A rule file holds them in one of two
formats, chosen by extension (``.tsv``) or else by content (the first rule
line has a TAB):

* ``-{ }-`` rules, one per line, with or without the wrapper::

      # comment
      zh-cn:格鲁吉亚;zh-tw:喬治亞;zh-hk:格魯吉亞
      -{zh-cn:软件;zh-tw:軟體;zh-hk:軟件}-
      -{H|zh-cn:硅谷;zh-tw:矽谷}-       (H / A flags allowed, ignored)
      悉尼=>zh-tw:雪梨                  (one-way rules too)

* TSV, ``original<TAB>zh-cn<TAB>zh-tw<TAB>zh-hk``; ``original`` is a label
  (usually the foreign name), never matched in the text.  An optional
  header row (``original  zh-cn  zh-tw …``) may name other variants.

Blank lines and lines starting with ``#`` are skipped.  A rule behaves like
a conversion-group rule (MediaWiki's fallbacks fill missing variants; every
form, in either script, maps to the target's form) and rules above any
group: user rules > caller groups > default groups > OpenCC.  Within the
rules, a later rule wins.  A bad line raises :class:`RuleFileError`
(``path:line: message``) rather than being skipped, since a silently
ignored rule is a wrong conversion nobody notices.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from .rules import RuleSyntaxError, parse_rule_strict
from .errors import ZhnormError
from .variants import is_variant, normalize_variant

__all__ = ["RuleFileError", "UserRule", "as_rules", "load_rules", "parse_rules", "rule_pairs"]

# Columns of a TSV file without a header.
TSV_COLUMNS = ("original", "zh-cn", "zh-tw", "zh-hk")
_TRIM = " \t\n\r\0\x0b"  # MediaWiki trims ASCII white space only


class RuleFileError(ZhnormError, ValueError):
    """A line of a rule file that is not a valid rule."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class UserRule:
    """One rule: the forms of a term per variant, plus one-way pairs.

    Equality and hashing use the content only, not where it was read, so
    the same rules from two files share one compiled engine.
    """

    bidirectional: tuple[tuple[str, str], ...]
    unidirectional: tuple[tuple[str, str, str], ...] = ()
    original: str | None = None
    #: Where the rule was read (``path:line``), for explain() and errors.
    source: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str, *, source: str = "") -> "UserRule":
        """A rule from ``zh-cn:…;zh-tw:…`` (with or without ``-{ }-``).

        Raises ValueError (a RuleSyntaxError) when MediaWiki would ignore
        any part of it.
        """
        body = text.strip(_TRIM)
        if body.startswith("-{") and body.endswith("}-"):
            body = body[2:-2]
        rule = parse_rule_strict(body)
        extra = rule.flags - {"S", "+", "H", "A"}
        if extra:
            flags = ",".join(sorted(extra))
            raise RuleSyntaxError(f"flags {flags} do not make a conversion rule: {text!r}")
        return cls(tuple(rule.bidirectional.items()), rule.unidirectional, None, source)

    @property
    def forms(self) -> Mapping[str, str]:
        """Variant → form."""
        return MappingProxyType(dict(self.bidirectional))

    @property
    def text(self) -> str:
        """The rule in ``-{ }-`` body syntax (``zh-cn:…;zh-tw:…``)."""
        parts = [f"{v}:{t}" for v, t in self.bidirectional]
        parts += [f"{s}=>{v}:{t}" for s, v, t in self.unidirectional]
        return ";".join(parts)

    def as_group_rule(self):
        """The same rule as a conversion-group rule (cgroups.GroupRule)."""
        from .cgroups import GroupRule

        return GroupRule(self.original, MappingProxyType(dict(self.bidirectional)), self.unidirectional)

    def pairs(self, variant: str) -> list[tuple[str, str]]:
        """(form, variant's form) pairs as written, like Rule.pairs."""
        return self.as_group_rule().pairs(variant)


def _check(rule: UserRule) -> None:
    if not rule.bidirectional and not rule.unidirectional:
        raise ValueError("no variant form")
    for _, text in rule.bidirectional:
        if "\n" in text:
            raise ValueError("a form may not hold a line break")


def _parse_rule_line(line: str) -> UserRule:
    rule = UserRule.parse(line)
    _check(rule)
    return rule


def _tsv_header(cells: list[str]) -> list[str] | None:
    """The column variants if *cells* is a header row, else None."""
    head, *rest = [c.strip(_TRIM) for c in cells]
    if head.lower() not in ("original", "") or not rest:
        return None
    if not all(is_variant(c) for c in rest):
        return None
    return ["original", *(normalize_variant(c) for c in rest)]


def _parse_tsv_line(line: str, columns: list[str]) -> UserRule:
    cells = line.split("\t")
    if len(cells) > len(columns):
        raise ValueError(f"{len(cells)} columns, expected at most {len(columns)} ({', '.join(columns)})")
    cells = [c.strip(_TRIM) for c in cells]
    original = cells[0] or None
    forms = tuple((v, t) for v, t in zip(columns[1:], cells[1:]) if t)
    if not forms:
        raise ValueError("no variant form (expected original<TAB>zh-cn<TAB>zh-tw<TAB>zh-hk)")
    return UserRule(forms, (), original)


def _looks_tsv(lines: list[str]) -> bool:
    for line in lines:
        stripped = line.strip(_TRIM)
        if stripped and not stripped.startswith("#"):
            return "\t" in line
    return False


def parse_rules(text: str, *, source: str = "<string>", format: str | None = None) -> list[UserRule]:
    """Rules from the text of a rule file; *format* is "rules", "tsv" or None (sniff)."""
    if format not in (None, "rules", "tsv"):
        raise ValueError(f"format must be 'rules', 'tsv' or None, not {format!r}")
    lines = text.splitlines()
    if format is None:
        format = "tsv" if _looks_tsv(lines) else "rules"
    columns = list(TSV_COLUMNS)
    seen_data = False
    out: list[UserRule] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip(_TRIM)
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{source}:{number}"
        try:
            if format == "tsv":
                header = None if seen_data else _tsv_header(line.split("\t"))
                seen_data = True
                if header is not None:
                    columns = header
                    continue
                rule = _parse_tsv_line(line, columns)
            else:
                rule = _parse_rule_line(line)
        except ValueError as e:
            raise RuleFileError(source, number, str(e)) from None
        out.append(UserRule(rule.bidirectional, rule.unidirectional, rule.original, where))
    return out


def load_rules(path: str | os.PathLike, *, format: str | None = None) -> list[UserRule]:
    """The rules in the file at *path* (UTF-8; a ``.tsv`` file is TSV).

    Raises RuleFileError (a ValueError) naming ``path:line`` for a bad line
    or undecodable bytes, OSError if the file cannot be read.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RuleFileError(str(path), line, f"not UTF-8 (byte {e.start})") from None
    if format is None and str(path).lower().endswith(".tsv"):
        format = "tsv"
    return parse_rules(text, source=str(path), format=format)


def as_rules(items: Iterable | None) -> tuple[UserRule, ...]:
    """Rules from paths (str or PathLike, read with load_rules), UserRule
    objects and lists of them, in order."""
    out: list[UserRule] = []
    if items is None:
        return ()
    if isinstance(items, (str, os.PathLike, UserRule)):
        items = [items]
    for item in items:
        if isinstance(item, UserRule):
            out.append(item)
        elif isinstance(item, (str, os.PathLike)):
            out.extend(load_rules(item))
        elif isinstance(item, (list, tuple)):
            out.extend(as_rules(item))
        else:
            raise TypeError(f"rules: expected a path or UserRule, not {type(item).__name__}")
    return tuple(out)


def rules_group(rules: Iterable[UserRule]):
    """The rules as one conversion group (later rules win, as in a group)."""
    from .cgroups import Group, GroupInfo

    rules = tuple(rules)
    info = GroupInfo("user rules", "user rules", "", len(rules), "user rules")
    return Group(info, tuple(r.as_group_rule() for r in rules))


def rule_pairs(rules: Iterable[UserRule], variant: str) -> dict[str, str]:
    """Form (as written or in the other script) → *variant*'s form."""
    from .cgroups import group_pairs

    rules = tuple(rules)
    if not rules:
        return {}
    return group_pairs([rules_group(rules)], variant)


def digest_text(rules: Iterable[UserRule]) -> str:
    """The rules' content, one per line, for cache fingerprints."""
    return "\n".join(f"{r.original or ''}\t{r.text}" for r in rules)

