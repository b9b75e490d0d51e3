"""zhnorm: convert Chinese text between scripts and regional standards.

>>> import zhnorm
>>> zhnorm.convert("头发和发展", "s2t")
'頭髮和發展'
>>> zhnorm.convert("软件", "zh-TW")
'軟體'
>>> zhnorm.Converter("zh-CN").convert("軟體")
'软件'
"""

__version__ = "0.1.0"

from .converter import Converter, convert, convert_many  # noqa: E402
from .errors import UnknownTargetError, ZhnormError  # noqa: E402
from .targets import Target, resolve as resolve_target, target_names  # noqa: E402

# Imported here, before anything can import the submodules of the same
# names, so that zhnorm.detect etc. are the functions, not the modules.
from .detect import Detection, detect  # noqa: E402
from .explain import Change, explain  # noqa: E402
from .normalize import normalize  # noqa: E402


def tokenize(text, markup="markdown", *, filename=None):
    """The tokens zhnorm sees in `text` (see zhnorm.markup.tokenize)."""
    from .markup import tokenize as _tokenize

    return _tokenize(text, markup, filename=filename)


def load_rules(path, *, format=None):
    """Users' name rules from a file, for Converter(target, rules=...) (see zhnorm.user_rules)."""
    from .user_rules import load_rules as _load_rules

    return _load_rules(path, format=format)


__all__ = [
    "Change",
    "Converter",
    "Detection",
    "Target",
    "UnknownTargetError",
    "ZhnormError",
    "convert",
    "convert_many",
    "detect",
    "explain",
    "load_rules",
    "normalize",
    "resolve_target",
    "target_names",
    "tokenize",
]
