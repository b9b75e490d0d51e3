"""Exceptions raised by zhnorm, so callers can catch ours and only ours."""


class ZhnormError(Exception):
    """Base class of every error zhnorm raises on purpose."""


class UnknownTargetError(ZhnormError, ValueError):
    """The target is neither an OpenCC configuration nor a supported language tag.

    It subclasses ValueError because an unknown target is a bad argument value.
    """

    def __init__(self, target: object, valid: "list[str]") -> None:
        self.target = target
        self.valid = list(valid)
        super().__init__(
            f"unknown target {target!r}; valid targets are: {', '.join(self.valid)}"
        )
