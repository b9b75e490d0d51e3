"""A small model of MediaWiki's language converter, for property tests.

Written for zhnorm's tests from reading MediaWiki core's LanguageConverter
(recursiveConvertTopLevel, recursiveConvertRule, applyManualConv,
getVarSeparatorPattern, validateVariant), ConverterRule (parseFlags,
parseRules, getRuleConvertedStr, generateConvTable, parse) and ZhConverter
(variants, fallbacks, manual levels, names).  It is deliberately naive:
one mutable table per variant (dictionary and page pairs together),
applied by a leftmost-longest scan like PHP's strtr, and the PHP control
flow kept step by step.  It does not share code with zhnorm.

Left out, as zhnorm leaves them out: HTML (tags, entities, <pre>/<code>),
PHP's "0" is false, the depth-warning message, and whitespace-only text
skipping (the test alphabet's dictionaries have no whitespace keys).
Where MediaWiki shows its rule error, the model shows ``-{`` + the rule's
(resolved) text + ``}-``, which is zhnorm's documented choice.
"""

from __future__ import annotations

import re

VARIANTS = ["zh", "zh-hans", "zh-hant", "zh-cn", "zh-hk", "zh-mo", "zh-my", "zh-sg", "zh-tw"]
FALLBACKS = {
    "zh": ["zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my"],
    "zh-hans": ["zh-cn", "zh-sg", "zh-my"],
    "zh-hant": ["zh-tw", "zh-hk", "zh-mo"],
    "zh-cn": ["zh-hans", "zh-sg", "zh-my"],
    "zh-sg": ["zh-my", "zh-hans", "zh-cn"],
    "zh-my": ["zh-sg", "zh-hans", "zh-cn"],
    "zh-tw": ["zh-hant", "zh-hk", "zh-mo"],
    "zh-hk": ["zh-mo", "zh-hant", "zh-tw"],
    "zh-mo": ["zh-hk", "zh-hant", "zh-tw"],
}
LEVEL = {v: "bidirectional" for v in VARIANTS} | {
    "zh": "disable", "zh-hans": "unidirectional", "zh-hant": "unidirectional"}
BCP47 = {"zh": "zh", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "zh-cn": "zh-Hans-CN",
         "zh-hk": "zh-Hant-HK", "zh-mo": "zh-Hant-MO", "zh-my": "zh-Hans-MY",
         "zh-sg": "zh-Hans-SG", "zh-tw": "zh-Hant-TW"}
NAMES = {"zh": "原文", "zh-hans": "简体", "zh-hant": "繁體", "zh-cn": "大陆", "zh-tw": "臺灣",
         "zh-hk": "香港", "zh-mo": "澳門", "zh-sg": "新加坡", "zh-my": "大马",
         "en": "English", "ja": "日本語"}
FLAGS = {"A", "T", "R", "D", "-", "H", "N", *VARIANTS}
MAX_DEPTH = 10
TRIM = " \t\n\r\0\x0b"


def validate(code):
    code = code.lower()
    if code in VARIANTS:
        return code
    for v in VARIANTS:
        if BCP47[v].lower() == code:
            return v
    return None


def _separator():
    alts = []
    for v in VARIANTS:
        for name in dict.fromkeys([v, BCP47[v]]):
            alts.append(re.escape(name) + r"\s*:")
            alts.append(r"[^;]*?=>\s*" + re.escape(name) + r"\s*:")
    return re.compile(r";\s*(?=" + "|".join(alts) + r"|\s*$)")


SEPARATOR = _separator()


def strtr(text, table):
    """PHP strtr with an array: at each position the longest key, else copy."""
    if not table:
        return text
    longest = max(map(len, table))
    out, i = [], 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), 0, -1):
            piece = text[i:i + n]
            if piece in table:
                out.append(table[piece])
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class Rule:
    """ConverterRule, parsed for one reader's variant."""

    def __init__(self, text, model, variant):
        self.model = model
        self.bid, self.unid = {}, {}
        self.action = "none"
        self.conv = {}
        self.title = False
        flags, vflags, rules = self._flags(text)
        if vflags:
            if variant in vflags:
                rules = model.auto(rules, variant)
            else:
                for fb in FALLBACKS[variant]:
                    if fb in vflags:
                        rules = model.auto(rules, fb)
                        break
            flags = {"R": True}
        if "R" not in flags and "N" not in flags:
            rules = rules.replace("=&gt;", "=>")
            self._rules(rules)
        self.rules_text = rules
        if not self.bid and not self.unid:
            if "+" in flags or "-" in flags:
                if rules != "":
                    self.bid = {v: rules for v in VARIANTS}
            elif "N" not in flags and "T" not in flags:
                flags = {"R": True}
        display = False
        for flag in flags:
            if flag == "R":
                display = rules
            elif flag == "N":
                display = NAMES.get(rules.strip(TRIM), "")
            elif flag == "D":
                display = self._desc()
            elif flag == "H":
                display = ""
            elif flag == "-":
                self.action, display = "remove", ""
            elif flag == "+":
                self.action, display = "add", ""
            elif flag == "S":
                display = self._converted(variant)
            elif flag == "T":
                self.title, display = self._converted(variant), ""
        self.display = None if display is False else display
        self._table()

    def _flags(self, text):
        flags = {}
        if "|" in text:
            head, text = text.split("|", 1)
            for f in head.split(";"):
                f = f.strip(TRIM)
                if f in FLAGS:
                    flags[f] = True
        vflags = []
        if not flags:
            flags = {"S": True}
        elif "R" in flags:
            flags = {"R": True}
        elif "N" in flags:
            flags = {"N": True}
        elif "-" in flags:
            flags = {"-": True}
        elif len(flags) == 1 and "T" in flags:
            flags["H"] = True
        elif "H" in flags:
            new = {"+": True, "H": True}
            for f in ("T", "D"):
                if f in flags:
                    new[f] = True
            flags = new
        else:
            if "A" in flags:
                flags["+"] = True
                flags["S"] = True
            if "D" in flags:
                flags.pop("S", None)
            vflags = [f for f in flags if f in VARIANTS]
            if vflags:
                flags = {}
        return flags, vflags, text

    def _rules(self, rules):
        rules = re.sub(r"(&[#a-zA-Z0-9]+);", "\\1\x01", rules)
        for c in SEPARATOR.split(rules):
            c = c.replace("\x01", ";")
            if ":" not in c:
                continue
            head, to = c.split(":", 1)
            to, head = to.strip(TRIM), head.strip(TRIM)
            parts = head.split("=>", 1)
            vv = validate(head)
            if len(parts) == 1 and to != "" and vv:
                self.bid[vv] = to
            elif len(parts) == 2:
                src = parts[0].strip(TRIM)
                vv = validate(parts[1].strip(TRIM))
                if src != "" and vv:
                    self.unid.setdefault(vv, {})[src] = to
            if vv is None:
                self.bid, self.unid = {}, {}
                break

    def _desc(self):
        text = "".join(f"{NAMES[k]}：{v}；" for k, v in self.bid.items())
        for k, table in self.unid.items():
            text += "".join(f"{a}⇒{NAMES[k]}：{b}；" for a, b in table.items())
        return text

    def _converted(self, variant):
        if not self.bid and not self.unid:
            return self.rules_text
        for v in [variant, *FALLBACKS[variant]]:
            if v in self.bid:
                return self.bid[v]
        if variant in self.unid:
            return next(iter(self.unid[variant].values()))
        if LEVEL[variant] == "disable":
            if self.bid:
                return next(iter(self.bid.values()))
            return next(iter(next(iter(self.unid.values())).values()))
        return False

    def _table(self):
        if not self.bid and not self.unid:
            return
        bid = dict(self.bid)
        marked = []
        for v in VARIANTS:
            if v not in bid:
                for fb in FALLBACKS[v]:
                    if fb in self.bid:
                        bid[v] = self.bid[fb]
                        break
            if v in bid:
                for vo in marked:
                    if LEVEL[v] == "bidirectional":
                        self.conv.setdefault(v, {})[bid[vo]] = bid[v]
                    if LEVEL[vo] == "bidirectional":
                        self.conv.setdefault(vo, {})[bid[v]] = bid[vo]
                marked.append(v)
            if LEVEL[v] in ("bidirectional", "unidirectional") and v in self.unid:
                self.conv[v] = self.unid[v] | {k: t for k, t in self.conv.get(v, {}).items()
                                                if k not in self.unid[v]}


class Model:
    """LanguageConverter for one page: *tables* maps each variant to its
    dictionary (source -> target, phrases and characters)."""

    def __init__(self, tables):
        self.tables = {v: dict(tables.get(v, {})) for v in VARIANTS}

    def auto(self, text, variant):
        return strtr(text, self.tables[variant])

    def convert(self, text, variant):
        out, pos = [], 0
        while pos < len(text):
            p = text.find("-{", pos)
            if p < 0:
                out.append(self.auto(text[pos:], variant))
                return "".join(out)
            out.append(self.auto(text[pos:p], variant))
            shown, pos = self._rule(text, variant, p, 1)
            out.append(shown)
        return "".join(out)

    def _rule(self, text, variant, pos, depth):
        pos += 2
        inner = ""
        token = re.compile(r"-\{|\}-")
        while pos < len(text):
            m = token.search(text, pos)
            if not m:
                break
            inner += text[pos:m.start()]
            pos = m.start()
            if m.group() == "-{":
                if depth >= MAX_DEPTH:
                    inner += "-{"
                    pos += 2
                    continue
                shown, pos = self._rule(text, variant, pos, depth + 1)
                inner += shown
            else:
                pos += 2
                rule = Rule(inner, self, variant)
                self._apply(rule)
                return ("-{" + inner + "}-" if rule.display is None else rule.display), pos
        if pos < len(text):
            inner += text[pos:]
        return "-{" + self.auto(inner, variant), len(text)

    def _apply(self, rule):
        for v, pairs in rule.conv.items():
            if rule.action == "add":
                self.tables[v].update(pairs)
            elif rule.action == "remove":
                for key in pairs:
                    self.tables[v].pop(key, None)
