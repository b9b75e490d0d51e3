"""The one place the CLI talks to the zhnorm library.

Each feature the CLI needs is looked up here, by what the library really
offers (an attribute, a parameter in a signature), never by catching an
ImportError.  A flag whose feature is missing raises FeatureUnavailable,
which the CLI turns into a usage error (exit 2) with a message saying what
is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import zhnorm

__all__ = [
    "FeatureUnavailable",
    "MARKUP_MODES",
    "list_targets",
    "list_groups",
    "Engine",
    "build_engine",
    "detect",
    "explain_available",
]

MARKUP_MODES = ("auto", "markdown", "wikitext", "html", "plain")

# Until the library lists its targets (zhnorm.targets), the CLI keeps the
# list from the specification here, so `zhnorm targets` and error messages
# have something true to say.  Validation is always the library's.
_SPEC_CONFIGS = (
    "s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s", "s2hkp",
    "hk2sp", "t2tw", "tw2t", "t2hk", "hk2t", "t2jp", "jp2t",
)
_SPEC_TAGS = ("zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK", "zh-SG", "zh-MO", "zh-MY")


class FeatureUnavailable(Exception):
    """A CLI feature needs a library feature this version does not have."""

    def __init__(self, what: str, needs: str) -> None:
        self.what = what
        self.needs = needs
        super().__init__(f"{what} needs {needs}, not available in this version")


def _accepts(func: Callable, name: str) -> bool:
    """True if *func* takes a keyword argument *name*."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _module(name: str):
    """Import zhnorm.<name> if the installed library has it, else None."""
    full = f"zhnorm.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def list_targets() -> list[str]:
    """Every target the library accepts: OpenCC configs, then language tags."""
    names = getattr(zhnorm, "target_names", None)
    if callable(names):
        return list(names())
    targets = _module("targets")
    if targets is not None:
        for attr in ("list_targets", "all_targets", "names"):
            fn = getattr(targets, attr, None)
            if callable(fn):
                return list(fn())
        for attr in ("TARGETS", "ALL"):
            seq = getattr(targets, attr, None)
            if seq is not None:
                return list(seq)
    return list(_SPEC_CONFIGS + _SPEC_TAGS)


def list_groups() -> list[tuple[str, str]] | None:
    """(name, title) of each conversion group, or None if the library has none yet."""
    cgroups = _module("cgroups")
    fn = getattr(cgroups, "list_groups", None) if cgroups is not None else None
    if not callable(fn):
        return None
    out = []
    for g in fn():
        name = getattr(g, "name", g)
        out.append((str(name), str(getattr(g, "title", name))))
    return out


def _converter_class():
    cls = getattr(zhnorm, "Converter", None)
    if cls is None:
        raise FeatureUnavailable("conversion", "zhnorm.Converter")
    return cls


def _sniffer() -> Callable[[str, str], str] | None:
    markup = _module("markup")
    if markup is None:
        return None
    sniff = getattr(markup, "sniff", None)
    # zhnorm.markup.sniff is the function once the package exports it; until
    # then the attribute may be the submodule of that name.
    return sniff if callable(sniff) else None


# Extension fallback for --markup auto while zhnorm.markup.sniff is missing.
# It only decides which mode a file *needs*; a mode the library cannot do is
# still an error for that file, never a silent plain conversion.
_EXTENSIONS = {
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
    ".wiki": "wikitext", ".wikitext": "wikitext", ".mediawiki": "wikitext",
}


def _sniff_by_extension(text: str, filename: str) -> str:
    for ext, mode in _EXTENSIONS.items():
        if filename.lower().endswith(ext):
            return mode
    return "plain"


@dataclass
class Engine:
    """A converter plus how to call it; built once, pickled to workers.

    Conversion semantics (library-exact):

    * ``--markup plain``: ``Converter.convert(text, markup="plain")``.
    * ``--markup markdown|wikitext``: ``Converter.convert(text, markup=mode)``.
    * ``--markup auto``: the library's own per-file choice,
      ``Converter.convert_markup(text, "auto", filename=name)``; this is
      what ``zhnorm.convert(text, target, markup="auto")`` does, plus the
      file name.
    """

    target: str
    converter: Any
    markup: str = "auto"
    markup_call: str | None = None  # "method" or None (plain only)
    convert_markup: bool = False  # converter has convert_markup(text, markup, filename=)
    sniff: Callable[[str, str], str] | None = None
    groups: tuple[str, ...] = ()
    rules: tuple[Any, ...] = ()
    explain: Callable | None = None
    explain_kwargs: dict = field(default_factory=dict)

    def mode_for(self, text: str, filename: str) -> str:
        """The markup mode of one file (resolving "auto")."""
        if self.markup != "auto":
            return self.markup
        sniff = self.sniff or _sniff_by_extension
        mode = sniff(text, filename or "")
        return getattr(mode, "value", mode)

    def via_markup(self, mode: str) -> bool:
        """True if a plain-text file goes through the markup layer (which
        applies ``-{ }-`` rules): the case for "auto" resolved to plain."""
        return mode == "plain" and self.markup == "auto" and self.convert_markup

    def convert(self, text: str, mode: str, filename: str = "") -> str:
        """Convert *text* read as *mode* (already resolved)."""
        if mode == "plain":
            if self.via_markup(mode):
                # "rules": text whose only markup is -{ }- ("plain" is no markup at all)
                return self.converter.convert_markup(text, "rules", filename=filename or None).text
            if self.markup_call is None:
                return self.converter.convert(text)
            return self.converter.convert(text, markup="plain")
        if self.markup_call == "method":
            return self.converter.convert(text, markup=mode)
        raise FeatureUnavailable(
            f"{mode} conversion", "markup support (zhnorm.convert(..., markup=...))"
        )

    def markup_doubts(self, text: str, filename: str = "") -> list[str]:
        """Under ``--markup auto``, for a file sniffed as plain text: the
        syntaxes it shows some sign of (too little to be chosen) that would
        convert it differently.  Empty when reading it as plain text is
        certainly harmless: no sign of markup, or every reading gives the
        same output (its markup, if any, holds nothing to convert)."""
        if self.markup != "auto" or self.markup_call is None:
            return []
        from ..markup import sniff_scores

        scores = sniff_scores(text)
        doubts = [kind for kind in ("markdown", "wikitext", "html") if scores.get(kind)]
        if not doubts:
            return []
        plain = self.convert(text, "plain", filename)
        return [kind for kind in doubts if self.convert(text, kind, filename) != plain]

    def warm(self) -> None:
        """Build everything lazy (automata, markup scanners) before workers
        fork, so they share it instead of each building its own."""
        sample = "发展软件，頭髮。"
        modes = ["plain"]
        if self.markup_call is not None:
            modes += ["markdown", "wikitext", "html"] if self.markup == "auto" else [self.markup]
        for mode in dict.fromkeys(modes):
            self.convert(sample, mode, "warm-up")
        if self.markup == "auto" and self.convert_markup:
            self.converter.convert_markup(sample, "auto", filename="warm-up.txt")

    def changes(self, text: str, mode: str) -> list:
        """Every change the conversion makes, from zhnorm.explain."""
        if self.explain is None:
            raise FeatureUnavailable("--report", "zhnorm.explain")
        kwargs = dict(self.explain_kwargs)
        if self.via_markup(mode):
            kwargs["markup"] = "auto"  # as converted: the markup layer's plain text
        elif mode != "plain":
            kwargs["markup"] = mode
        return list(self.explain(text, self.target, **kwargs))


def build_engine(target: str, markup: str = "auto", groups=(), rules=(),
                 want_explain: bool = False) -> Engine:
    """Build the converter for *target* once, checking every feature asked for.

    Raises the library's ValueError for an unknown target or group,
    FeatureUnavailable for a feature the library lacks.
    """
    cls = _converter_class()
    kwargs: dict = {}
    if groups:
        if not _accepts(cls, "groups"):
            raise FeatureUnavailable("--group", "zhnorm.Converter(groups=...)")
        kwargs["groups"] = list(groups)
    if rules:
        if not _accepts(cls, "rules"):
            raise FeatureUnavailable("--rules", "zhnorm.Converter(rules=...)")
        kwargs["rules"] = list(rules)
    converter = cls(target, **kwargs)

    markup_call = "method" if _accepts(converter.convert, "markup") else None
    if markup in ("markdown", "wikitext") and markup_call is None:
        raise FeatureUnavailable(f"--markup {markup}", "markup support (zhnorm.convert(..., markup=...))")
    cm = getattr(converter, "convert_markup", None)
    has_cm = callable(cm) and _accepts(cm, "filename")

    explain = None
    explain_kwargs: dict = {}
    if want_explain:
        explain = getattr(zhnorm, "explain", None)
        if explain is None:
            raise FeatureUnavailable("--report", "zhnorm.explain")
        for flag, name, value in (("--group", "groups", groups), ("--rules", "rules", rules)):
            if value:
                if not _accepts(explain, name):
                    raise FeatureUnavailable(f"--report with {flag}", f"zhnorm.explain({name}=...)")
                explain_kwargs[name] = list(value)
        if markup != "plain" and not _accepts(explain, "markup"):
            raise FeatureUnavailable("--report with markup", "zhnorm.explain(markup=...)")
    return Engine(
        target=target,
        converter=converter,
        markup=markup,
        markup_call=markup_call,
        convert_markup=has_cm,
        sniff=_sniffer(),
        groups=tuple(groups),
        rules=tuple(rules),
        explain=explain,
        explain_kwargs=explain_kwargs,
    )


def detect(text: str, markup: str = "plain") -> Any:
    fn = getattr(zhnorm, "detect", None)
    if fn is None:
        raise FeatureUnavailable("zhnorm detect", "zhnorm.detect")
    if markup != "plain":
        if not _accepts(fn, "markup"):
            raise FeatureUnavailable("detect with markup", "zhnorm.detect(markup=...)")
        return fn(text, markup=markup)
    return fn(text)


def detect_markup(text: str, filename: str, markup: str) -> str:
    """The markup mode detect() should read a file as ("auto" resolved by name and content)."""
    if markup != "auto":
        return markup
    fn = getattr(zhnorm, "detect", None)
    if fn is None or not _accepts(fn, "markup"):
        return "plain"  # an old detect() reads everything as plain text
    sniff = _sniffer() or _sniff_by_extension
    return sniff(text, filename)


def detect_available() -> bool:
    return getattr(zhnorm, "detect", None) is not None


def explain_available() -> bool:
    return getattr(zhnorm, "explain", None) is not None
