"""Converting one file: read, decode, convert, compare, write.

This runs in worker processes (or inline for -j 1), so it returns a small
picklable Result instead of printing; the main process reports results in
input order.  Every failure of one file becomes a Result, never an
exception, except a termination request (KeyboardInterrupt or the
worker's SIGTERM), which leaves no temporary file behind.
"""

from __future__ import annotations

import bisect
import codecs
import difflib
import hashlib
import os
import re
import stat
import sys
from dataclasses import dataclass, field

from . import io as zio
from .backend import Engine, FeatureUnavailable
from .walk import STDIN, Item

__all__ = ["Options", "Result", "Task", "run_task", "convert_text", "unified_diff"]


# Plain-text files larger than STREAM_THRESHOLD bytes are converted in blocks
# of about BLOCK_SIZE bytes, cut at newlines, so memory stays bounded.
STREAM_THRESHOLD = 16 << 20
BLOCK_SIZE = 1 << 20
# The markup sniffer looks at the first 200,000 characters of a file; the
# first block of a streamed file holds at least that many (4 bytes each at
# most), so "auto" decides on the same text as for a whole file.
SNIFF_BYTES = 4 * 200_000


@dataclass(frozen=True)
class Options:
    action: str = "stdout"
    """"stdout", "write" (-o or --in-place) or "none" (--check/--diff only)."""
    in_place: bool = False
    diff: bool = False
    report: bool = False
    encoding: str = "auto"
    errors: str = "strict"
    output_encoding: str = "utf-8"
    fsync: bool = True
    stream_threshold: int = STREAM_THRESHOLD
    """Plain-text files larger than this are converted in blocks."""
    block_size: int = BLOCK_SIZE
    single_output: bool = False
    """-o FILE for one input: a FIFO named there is waited on, as a shell's
    > would; in a tree mirrored under -o DIR, a FIFO without a reader fails."""


@dataclass
class Task:
    item: Item
    dest: str | None = None
    """Where to write (the input itself for --in-place), or None."""

    def __reduce__(self):
        return Task, (self.item, self.dest)


@dataclass
class Result:
    path: str
    status: str
    """"changed", "unchanged", "skipped" (binary) or "failed"."""
    message: str = ""
    nbytes: int = 0
    output: bytes | None = None
    diff: str | None = None
    report: list | None = None
    encoding: str = ""
    markup: str = ""
    dest: str | None = None
    streamed: bool = False
    out_encoding: str = ""
    """The codec the output was (or would be) written in."""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def __reduce__(self):
        # Field values only (see Item.__reduce__): one Result per file comes back.
        return Result, (self.path, self.status, self.message, self.nbytes, self.output, self.diff,
                        self.report, self.encoding, self.markup, self.dest, self.streamed,
                        self.out_encoding)


def _out_encoding(opts: Options, decoded_encoding: str) -> str:
    return decoded_encoding if opts.output_encoding == "input" else opts.output_encoding


class MarkupInDoubt(ValueError):
    """--markup auto cannot tell whether a file is plain text or markup, and
    the two readings differ: the file is refused rather than guessed."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        super().__init__(
            f"looks partly like {' or '.join(kinds)}, too little to be sure, and reading it as "
            f"plain text would convert what {kinds[0]} keeps; not converted: give "
            f"--markup {kinds[0]} or --markup plain")


def convert_text(engine: Engine, text: str, filename: str) -> tuple[str, str]:
    """Convert decoded text (no BOM) as the CLI does; returns (output, mode).

    A file whose every line ends in CRLF is read as its LF twin (for
    sniffing and for the markup scanners) and given its CRs back; plain text
    is converted as it is, CRs and all, since they are not prose.
    """
    lf_text, crlf = zio.split_crlf(text)
    mode = engine.mode_for(lf_text, filename)
    if mode == "plain":
        doubts = engine.markup_doubts(lf_text, filename)
        if doubts:
            raise MarkupInDoubt(doubts)
        return engine.convert(text, mode, filename), mode
    out = engine.convert(lf_text, mode, filename)
    return (zio.join_crlf(out) if crlf else out), mode


def unified_diff(before: str, after: str, name: str) -> str:
    """A unified diff in the form git and patch(1) read, "\\ No newline" included."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}",
    )
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _report_rows(engine: Engine, text: str, mode: str, name: str) -> list[dict]:
    """JSON-ready rows (file, line, column, before, after, why) from zhnorm.explain.

    Lines and columns are 1-based; columns count characters (code points).
    """
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    rows = []
    for change in engine.changes(text, mode):
        line = bisect.bisect_right(line_starts, change.start)
        rows.append({
            "file": name,
            "line": line,
            "column": change.start - line_starts[line - 1] + 1,
            "before": change.before,
            "after": change.after,
            "why": change.why,
        })
    return rows


class NotRegular(OSError):
    """A file the walk saw as a regular file is something else when opened
    (replaced by a FIFO or a device during the run)."""


def open_input(item: Item) -> int:
    """Open an input for reading and return its descriptor.

    A file the walk found to be a regular file is opened with O_NONBLOCK
    and checked with fstat(): if it has been replaced by a FIFO since (the
    open would otherwise wait for a writer forever) or a device, it fails
    instead of hanging.  A FIFO or device named on the command line is
    read as a stream, as the user asked.
    """
    regular = stat.S_ISREG(item.mode)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    if regular:
        flags |= getattr(os, "O_NONBLOCK", 0)
    fd = os.open(item.path, flags)
    try:
        if regular:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NotRegular(0, "no longer a regular file (replaced during the run?)")
            if flags & getattr(os, "O_NONBLOCK", 0):
                os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read(item: Item) -> bytes:
    if item.path == STDIN:
        return sys.stdin.buffer.read()
    # os.read with the size the walk saw (one byte more, to see growth):
    # fewer system calls than open().readall(), which matters at ~1 KB/file.
    fd = open_input(item)
    try:
        want = item.size + 1 if item.size else 65536
        data = os.read(fd, want)
        if len(data) < want and stat.S_ISREG(item.mode):
            return data  # a short read of a regular file is its end
        parts = [data]
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


_MADE_DIRS: set[str] = set()


def _make_parent(dest: str) -> None:
    parent = os.path.dirname(dest)
    if parent and parent not in _MADE_DIRS:
        os.makedirs(parent, exist_ok=True)
        _MADE_DIRS.add(parent)


class OutputError(Exception):
    """Writing an output failed: reported against the output's path."""

    def __init__(self, dest: str, error: OSError) -> None:
        self.dest = dest
        self.error = error
        super().__init__(dest, error)


class InPlaceRefused(Exception):
    """--in-place will not replace this file (see in_place_refusal)."""


def in_place_refusal(st: os.stat_result) -> str | None:
    """Why --in-place must not replace a file with this stat, or None.

    Replacing is a rename of a new file over the old name, so

    * a file with other hard links would be split: this name gets the new
      text, every other name keeps the old (GNU sed -i does this silently);
      zhnorm refuses, so no name is left disagreeing with another;
    * a read-only file (no write bit at all) was marked not to be changed:
      the directory's permission lets a rename through (sed -i replaces it
      too, and root ignores the mode), but the owner's intent does not.
    """
    if st.st_nlink > 1:
        return (f"has {st.st_nlink} hard links; --in-place would give this name a new file "
                f"and leave the other names with the old text: not replaced "
                f"(convert with -o and copy the result over it)")
    if stat.S_IMODE(st.st_mode) & 0o222 == 0:
        return (f"read-only (mode {stat.S_IMODE(st.st_mode):04o}): not replaced "
                f"(chmod u+w it to convert it in place)")
    return None


def _write(dest: str, data: bytes, item: Item, opts: Options) -> None:
    mode = owner = None
    if opts.in_place:
        st = os.stat(item.path)
        refusal = in_place_refusal(st)
        if refusal:
            raise InPlaceRefused(refusal)
        mode, owner = stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)
    elif item.mode and stat.S_ISREG(item.mode):
        mode = stat.S_IMODE(item.mode)
    try:
        _make_parent(dest)
        zio.write_output(dest, data, mode=mode, owner=owner, fsync=opts.fsync,
                         wait_for_reader=opts.single_output)
    except OSError as e:
        raise OutputError(dest, e) from None


def _error_message(e: BaseException) -> str:
    if isinstance(e, OSError):
        return e.strerror or str(e)
    if isinstance(e, (zio.DecodeFailure, zio.EncodeFailure, FeatureUnavailable, MarkupInDoubt)):
        return str(e)
    return f"{type(e).__name__}: {e}"


def run_task(engine: Engine, opts: Options, task: Task) -> Result:
    """Convert one file; never raises for a problem with that file."""
    item = task.item
    try:
        if (item.path != STDIN and stat.S_ISREG(item.mode) and item.size > opts.stream_threshold
                and not opts.diff and not opts.report and opts.action != "stdout"):
            try:
                streamed = _run_streamed(engine, opts, task)
            except _NeedsWholeFile:
                streamed = None
            if streamed is not None:
                return streamed
        return _run_whole(engine, opts, task)
    except zio.BinaryFile as e:
        return Result(item.path, "skipped", str(e), nbytes=item.size)
    except OutputError as e:
        msg = _error_message(e.error)
        if os.path.realpath(e.dest) != os.path.realpath(item.path):
            msg += f" (writing the conversion of {item.path})"
        return Result(e.dest, "failed", msg, nbytes=item.size)
    except InPlaceRefused as e:
        return Result(item.path, "failed", str(e), nbytes=item.size)
    except (OSError, zio.DecodeFailure, zio.EncodeFailure, FeatureUnavailable,
            ValueError, UnicodeError) as e:
        return Result(item.path, "failed", _error_message(e), nbytes=item.size)


def _run_whole(engine: Engine, opts: Options, task: Task) -> Result:
    item = task.item
    data = _read(item)
    zio.sniff_binary(data)
    decoded = zio.decode(data, opts.encoding, opts.errors)
    out_text, mode = convert_text(engine, decoded.text, item.path if item.path != STDIN else "")
    out_encoding = _out_encoding(opts, decoded.encoding)
    out = zio.encode(out_text, out_encoding, decoded.bom, opts.errors)
    changed = out != data
    res = Result(item.path, "changed" if changed else "unchanged", nbytes=len(data),
                 encoding=decoded.encoding, markup=mode, dest=task.dest, out_encoding=out_encoding)
    name = item.path if item.path != STDIN else "<stdin>"
    if opts.diff and out_text != decoded.text:
        res.diff = unified_diff(decoded.text, out_text, name)
    if opts.report:
        # explain() sees the text that was converted (LF for a CRLF markup
        # file); lines and columns are the same in both.
        converted_text = decoded.text if mode == "plain" else zio.split_crlf(decoded.text)[0]
        res.report = _report_rows(engine, converted_text, mode, name)
    if opts.action == "stdout":
        res.output = out
    elif opts.action == "write" and task.dest is not None:
        if changed or not opts.in_place:
            _write(task.dest, out, item, opts)
    return res


# --- streaming of large plain files --------------------------------------

_PAGE_RULE = re.compile(r"-\{([^|{}]*)\|")


class _NeedsWholeFile(Exception):
    """A page-wide -{H|…}- rule: it applies to the rest of the file, so the
    file cannot be converted block by block."""


def _has_page_rule(text: str) -> bool:
    for m in _PAGE_RULE.finditer(text):
        if {f.strip() for f in m.group(1).split(";")} & {"H", "A", "-"}:
            return True
    return False


class PlainCutter:
    """Where a growing buffer of plain text may be cut, in linear time.

    A cut is safe just after a newline that lies outside every ``-{ … }-``
    rule: dictionary phrases never contain a newline, and a rule is found
    by the library's own scanner (``find_rule_end``, as ``scan_plain`` does),
    so converting the text before the cut and after it separately gives
    the whole text's result.  Each character is examined once as text is
    appended, except the text after a ``-{`` not yet closed, which is looked
    at again when more arrives (at most until the buffer reaches the
    *force* size, when that ``-{`` is taken as literal text).  ``scanned``
    counts the characters examined, so tests can check the work is linear.
    """

    def __init__(self) -> None:
        self.pos = 0  # where scanning resumes
        self.safe = 0  # offset just after the last safe newline found
        self.scanned = 0

    def cut(self, buf: str, force: bool = False) -> int:
        """The last safe cut in *buf* (0 if none); *buf* only ever grows
        between calls, except by :meth:`consume`."""
        from ..markup.inline_md import find_rule_end

        n = len(buf)
        pos = self.pos
        find, rfind = buf.find, buf.rfind
        while pos < n:
            p = find("-{", pos)
            end = n if p < 0 else p
            self.scanned += end - pos
            nl = rfind("\n", pos, end)
            if nl >= 0:
                self.safe = nl + 1
            if p < 0:
                pos = max(pos, n - 1)  # a final "-" may begin a "-{"
                break
            e = find_rule_end(buf, p, n)
            if e >= 0:
                self.scanned += e - p
                pos = e
                continue
            self.scanned += n - p
            if not force:
                pos = p  # closed later, perhaps: look again with more text
                break
            # Open too long: literal text, as scan_plain takes an unclosed
            # "-{".  With no "}-" after it, no later "-{" closes either.
            if find("}-", p, n) < 0:
                self.scanned += n - p
                nl = rfind("\n", p, n)
                if nl >= 0:
                    self.safe = nl + 1
                pos = max(p + 1, n - 1)
                break
            pos = p + 1
        self.pos = pos
        return self.safe

    def consume(self, cut: int) -> None:
        """The caller dropped ``buf[:cut]``: shift the offsets."""
        self.pos = max(self.pos - cut, 0)
        self.safe = max(self.safe - cut, 0)


def safe_cut(buf: str, force: bool = False) -> int:
    """Offset just after the last newline of *buf* outside any ``-{ }-``
    (see PlainCutter); 0 if there is none.  With *force* (the buffer has
    grown too large), an unclosed ``-{`` is taken as literal text."""
    return PlainCutter().cut(buf, force)


def _run_streamed(engine: Engine, opts: Options, task: Task) -> Result | None:
    """Convert a large file block by block; None if it is not plain text."""
    item = task.item
    block = opts.block_size
    with os.fdopen(open_input(item), "rb") as f:
        want = max(block, SNIFF_BYTES)
        first = f.read(want)
        zio.sniff_binary(first)
        final = len(first) < want
        enc = opts.encoding
        if enc == "auto":
            enc = zio.detect_encoding(first, final)
        skip = 0
        for bom, name in zio.BOMS:
            if enc == name and first.startswith(bom):
                skip = len(bom)
        decoder = codecs.getincrementaldecoder(enc)(opts.errors)
        in_hash, out_hash = hashlib.blake2b(), hashlib.blake2b()
        fed = skip
        nl_before = 0

        def feed(data: bytes, final: bool, start: int) -> str:
            pending = decoder.getstate()[0]
            try:
                return decoder.decode(data[start:], final)
            except UnicodeDecodeError as e:
                # e.object is the decoder's pending bytes followed by this block.
                offset = fed - len(pending) + e.start
                line = nl_before + data.count(b"\n", start, start + max(0, offset - fed)) + 1
                raise zio.DecodeFailure(offset, line, e.object[e.start:e.end],
                                        zio.display_encoding(enc)) from None

        text = feed(first, final, skip)
        bom = skip > 0
        if not bom and text.startswith("\ufeff"):
            text, bom = text[1:], True
        mode = engine.mode_for(zio.split_crlf(text)[0], item.path)
        if mode != "plain":
            return None
        doubts = engine.markup_doubts(zio.split_crlf(text)[0], item.path)
        if doubts:
            raise MarkupInDoubt(doubts)
        via_markup = engine.via_markup(mode)
        out_enc = _out_encoding(opts, enc)
        in_hash.update(first)
        total = len(first)
        fed = len(first)
        nl_before = first.count(b"\n")
        writer = None
        refusal = None
        if opts.action == "write" and task.dest is not None:
            try:
                _make_parent(task.dest)
                if opts.in_place:
                    st = os.stat(item.path)
                    refusal = in_place_refusal(st)
                    if refusal is None:
                        writer = zio.open_output(task.dest, stat.S_IMODE(st.st_mode),
                                                 (st.st_uid, st.st_gid), opts.fsync)
                else:
                    writer = zio.open_output(task.dest, stat.S_IMODE(item.mode), None, opts.fsync,
                                             opts.single_output)
            except OSError as e:
                raise OutputError(task.dest, e) from None
        try:
            buf = text
            prefix_bom = bom
            changed_text = False
            lines_out = 0
            cutter = PlainCutter()
            while True:
                if not final:
                    cut = cutter.cut(buf, force=len(buf) > 8 * block)
                else:
                    cut = len(buf)
                if cut:
                    piece, buf = buf[:cut], buf[cut:]
                    cutter.consume(cut)
                    if via_markup and _PAGE_RULE.search(piece) and _has_page_rule(piece):
                        raise _NeedsWholeFile
                    conv = engine.convert(piece, "plain", item.path)
                    changed_text |= conv != piece
                    try:
                        data = zio.encode(conv, out_enc, prefix_bom, opts.errors)
                    except zio.EncodeFailure as e:
                        # Lines are counted from the block; give the file's line.
                        raise zio.EncodeFailure(e.char, e.line + lines_out, e.column,
                                                e.encoding) from None
                    lines_out += conv.count("\n")
                    prefix_bom = False
                    out_hash.update(data)
                    if writer is not None:
                        try:
                            writer.write(data)
                        except OSError as e:
                            raise OutputError(task.dest, e) from None
                if final:
                    break
                chunk = f.read(block)
                final = len(chunk) < block
                in_hash.update(chunk)
                buf += feed(chunk, final, 0)
                fed += len(chunk)
                total += len(chunk)
                nl_before += chunk.count(b"\n")
            changed = in_hash.digest() != out_hash.digest()
            if refusal is not None and changed:
                raise InPlaceRefused(refusal)
            if writer is not None:
                if changed or not opts.in_place:
                    try:
                        writer.commit()
                    except OSError as e:
                        raise OutputError(task.dest, e) from None
                else:
                    writer.abort()
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
    return Result(item.path, "changed" if changed else "unchanged", nbytes=total, encoding=enc,
                  markup="plain", dest=task.dest, streamed=True, out_encoding=out_enc)

