"""zhnorm: convert Chinese text between scripts and regional standards.

>>> import zhnorm
>>> zhnorm.convert("头发和发展", "s2t")
'頭髮和發展'
>>> zhnorm.convert("软件", "zh-TW")
'軟體'
>>> zhnorm.Converter("zh-CN").convert("軟體")
'软件'

Every error zhnorm raises on purpose derives from :class:`ZhnormError`.
"""

from __future__ import annotations

__version__ = "0.1.0"

import os  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from .cgroups import UnknownGroupError  # noqa: E402
from .converter import Converter, convert, convert_many  # noqa: E402
from .errors import UnknownTargetError, ZhnormError  # noqa: E402
from .info import EngineInfo, engine_info  # noqa: E402
from .rules import RuleSyntaxError  # noqa: E402
from .targets import Target, resolve as resolve_target, target_names  # noqa: E402
from .user_rules import RuleFileError, UserRule  # noqa: E402
from .variants import UnknownVariantError  # noqa: E402

# Imported here, before anything can import the submodules of the same
# names, so that zhnorm.detect etc. are the functions, not the modules.
from .detect import Detection, detect  # noqa: E402
from .explain import Change, explain  # noqa: E402
from .normalize import normalize  # noqa: E402

if TYPE_CHECKING:
    from .markup.render import ConversionResult
    from .markup.tokens import Token


def __getattr__(name: str) -> Any:
    # The markup package compiles its scanners' patterns on import; plain
    # conversion never needs it, so its result types load on first use.
    if name == "ConversionResult":
        from .markup.render import ConversionResult

        return ConversionResult
    if name == "Token":
        from .markup.tokens import Token

        return Token
    raise AttributeError(f"module 'zhnorm' has no attribute {name!r}")


def tokenize(text: str, markup: str = "markdown", *, filename: str | None = None) -> list[Token]:
    """The tokens zhnorm sees in `text` (see zhnorm.markup.tokenize)."""
    from .markup import tokenize as _tokenize

    return _tokenize(text, markup, filename=filename)


def load_rules(path: str | os.PathLike[str], *, format: str | None = None) -> list[UserRule]:
    """Users' name rules from a file, for Converter(target, rules=...) (see zhnorm.user_rules)."""
    from .user_rules import load_rules as _load_rules

    return _load_rules(path, format=format)

__all__ = [
    "Change",
    "ConversionResult",
    "Converter",
    "Detection",
    "EngineInfo",
    "RuleFileError",
    "RuleSyntaxError",
    "Target",
    "Token",
    "UnknownGroupError",
    "UnknownTargetError",
    "UnknownVariantError",
    "UserRule",
    "ZhnormError",
    "convert",
    "convert_many",
    "detect",
    "engine_info",
    "explain",
    "load_rules",
    "normalize",
    "resolve_target",
    "target_names",
    "tokenize",
]
