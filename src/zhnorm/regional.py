"""Regional vocabulary only where the text uses the other region's.

OpenCC's ``tw2sp`` turns Taiwan's words into the mainland's (程式 → 程序,
執行緒 → 线程), but its reversed tables also hit mainland words that happen
to be written the same (程序 → 进程, 建立 → 创建, 文件 → 文档, 执行 → 运行:
``和Java程序集成`` became ``和Java进程集成``). Text already written for the
mainland needs only its names converted, not its vocabulary.

So the zh-CN family of tags converts each paragraph with one of two chains:
a paragraph written in Traditional characters (more Traditional-only than
Simplified-only characters, zhnorm.detect.script_counts) is taken to use
Taiwan or Hong Kong vocabulary and gets ``tw2sp``; any other paragraph
(Simplified, or without script-specific characters) gets ``t2s``. Both
carry the same name layer. A paragraph is a line: real articles switch
script between paragraphs, rarely inside one.
"""

from __future__ import annotations

#: Variants whose tags use this, and the OpenCC chain of their
#: Simplified-script paragraphs.
SCRIPT_ONLY_CHAIN = {"zh-cn": "t2s", "zh-sg": "t2s", "zh-my": "t2s"}
VOCABULARY_CHAIN = "tw2sp"


def uses_other_vocabulary(paragraph: str) -> bool:
    """Whether a paragraph is written in Traditional characters."""
    from .detect import script_counts

    counts = script_counts(paragraph)
    return counts["traditional"] > counts["simplified"]


class RegionalEngine:
    """Two engines, chosen per line by the script the line is written in."""

    def __init__(self, vocabulary, script_only):
        self.vocabulary = vocabulary
        self.script_only = script_only
        self.name = vocabulary.name
        self.accelerated = vocabulary.accelerated
        # Which texts neither chain can change is not known from one quiet
        # table, so the Markdown layer scans everything.
        self.quiet = None

    @classmethod
    def of(cls, config: str, layer, engines) -> "RegionalEngine":
        """From `engines(config, layer)`, the process-wide engine cache."""
        return cls(engines(config, layer), engines(SCRIPT_ONLY_CHAIN[layer.variant], layer))

    def convert(self, text: str) -> str:
        if "\n" not in text:
            return self._convert_line(text)
        return "".join(self._convert_line(line) for line in text.splitlines(keepends=True))

    def _convert_line(self, line: str) -> str:
        engine = self.vocabulary if uses_other_vocabulary(line) else self.script_only
        return engine.convert(line)
