"""Names for the argument types of zhnorm's public API.

``Groups`` is any iterable of conversion group names (``["IT", "Movie"]``);
``RuleSource`` is a rule file's path or a parsed
:class:`zhnorm.user_rules.UserRule`; ``TargetLike`` is an OpenCC
configuration or language tag, or a resolved :class:`zhnorm.Target`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Union

if TYPE_CHECKING:
    from .targets import Target
    from .user_rules import UserRule

__all__ = ["Groups", "RuleSource", "Rules", "TargetLike"]

Groups = Iterable[str]
RuleSource = Union[str, "os.PathLike[str]", "UserRule"]
Rules = Iterable[RuleSource]
TargetLike = Union[str, "Target"]
