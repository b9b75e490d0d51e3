"""Bytes in, bytes out: decoding, encoding and atomic writes.

Everything here keeps what lies outside the converted prose exactly as it
was: a byte order mark, CRLF or LF line ends, a missing final newline.
Nothing in this module knows about conversion.
"""

from __future__ import annotations

import codecs
import itertools
import os
import stat
import tempfile
from dataclasses import dataclass

__all__ = [
    "ENCODINGS",
    "BinaryFile",
    "DecodeFailure",
    "EncodeFailure",
    "Decoded",
    "sniff_binary",
    "decode",
    "encode",
    "atomic_write",
    "AtomicFile",
    "ThroughFile",
    "open_output",
    "resolve_output",
    "write_output",
    "TEMP_SUFFIX",
    "split_crlf",
    "join_crlf",
]

# What --encoding accepts for input.  "auto" is resolved per file.
ENCODINGS = ("auto", "utf-8", "gb18030", "big5")
OUTPUT_ENCODINGS = ("input", "utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be",
                    "utf-32-le", "utf-32-be")

# Temporary files are named .<name>.<random>.zhnorm-tmp so a stray one (after
# a power cut; the CLI itself never leaves one) is easy to recognise.
TEMP_SUFFIX = ".zhnorm-tmp"

BINARY_SNIFF_BYTES = 8192

# UTF-32's marks come first: the UTF-32LE mark FF FE 00 00 begins with
# UTF-16LE's FF FE, and read as UTF-16 the file becomes text full of NULs.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOMS = BOMS


def bom_of(data: bytes) -> tuple[bytes, str] | None:
    """(mark, codec) of the byte order mark *data* starts with, or None."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return bom, name
    return None

_DISPLAY = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE",
    "utf-32-be": "UTF-32BE",
    "gb18030": "GB18030",
    "big5": "Big5",
}


def display_encoding(name: str) -> str:
    return _DISPLAY.get(name, name)


class BinaryFile(Exception):
    """The input looks like binary data (it has a NUL byte)."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        super().__init__(f"binary file (NUL byte at offset {offset}), skipped")


class DecodeFailure(Exception):
    """The input cannot be decoded; carries the byte offset of the first bad byte."""

    def __init__(self, offset: int, line: int, bad: bytes, tried: str) -> None:
        self.offset = offset
        self.line = line
        self.bad = bad
        self.tried = tried
        shown = " ".join(f"0x{b:02x}" for b in bad[:4])
        super().__init__(
            f"cannot decode as {tried}: invalid byte {shown} at byte offset {offset} "
            f"(line {line}); give --encoding, or --errors surrogateescape to pass "
            f"such bytes through unchanged"
        )


class EncodeFailure(Exception):
    """The converted text has a character the output encoding lacks."""

    def __init__(self, char: str, line: int, column: int, encoding: str) -> None:
        self.char = char
        self.line = line
        self.column = column
        self.encoding = encoding
        super().__init__(
            f"cannot encode {char!r} (U+{ord(char):04X}) at line {line}, column {column} "
            f"as {display_encoding(encoding)}; choose another --output-encoding"
        )


@dataclass
class Decoded:
    text: str
    """The text, without a byte order mark."""
    encoding: str
    """Python codec name actually used."""
    bom: bool
    """The input started with a byte order mark."""


def sniff_binary(data: bytes) -> None:
    """Raise BinaryFile if the start of *data* has a NUL byte (as git and grep do).

    UTF-16 and UTF-32 text have NUL bytes too, so their byte order marks
    exempt them.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return  # (UTF-32LE's mark starts with UTF-16LE's)
    nul = data.find(b"\x00", 0, BINARY_SNIFF_BYTES)
    if nul >= 0:
        raise BinaryFile(nul)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _failure(data: bytes, err: UnicodeDecodeError, base: int, tried: str) -> DecodeFailure:
    offset = base + err.start
    return DecodeFailure(offset, _line_of(data, offset), data[offset : base + err.end], tried)


# Characters that show a legacy CJK byte stream was decoded with the wrong
# table: Big5 text read as GB18030 turns its punctuation (0xA1 0x40..) and its
# most common characters (lead byte 0xA4) into private-use code points, kana,
# Greek, Cyrillic or box drawing; GB text read as Big5 fails outright on most
# lead bytes above 0xC6.  The decoding with fewer of them wins.
_SUSPECT_RANGES = (
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x2500, 0x257F),  # box drawing
    (0x3040, 0x30FF),  # kana
    (0x3400, 0x4DBF),  # CJK extension A (rare)
    (0xE000, 0xF8FF),  # private use
    (0xF900, 0xFAFF),  # CJK compatibility
)


def _suspect_count(text: str) -> int:
    n = 0
    for ch in text:
        o = ord(ch)
        if o < 0x0370:
            continue
        for lo, hi in _SUSPECT_RANGES:
            if lo <= o <= hi:
                n += 1
                break
    return n


def _decode_auto(data: bytes, errors: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_error = utf8_error
    candidates = []
    for name in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(name), name))
        except UnicodeDecodeError:
            pass
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) == 2:
        (gb, _), (b5, _) = candidates
        return candidates[1] if _suspect_count(b5) < _suspect_count(gb) else candidates[0]
    if errors == "surrogateescape":
        return data.decode("utf-8", "surrogateescape"), "utf-8"
    raise _failure(data, first_error, 0, "UTF-8, GB18030 or Big5")


def detect_encoding(sample: bytes, final: bool) -> str:
    """The codec "auto" would pick for a file that starts with *sample*.

    Used by the streaming path, which decides from the first block.  A
    sample cut inside a UTF-8 sequence still counts as UTF-8.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Legacy encodings: trim a possibly cut final character before judging.
    best = None
    for cut in range(0, 2 if not final else 1):
        chunk = sample[: len(sample) - cut] if cut else sample
        try:
            _, name = _decode_auto(chunk, "strict")
            best = name
            break
        except DecodeFailure:
            continue
    return best or "utf-8"


def decode(data: bytes, encoding: str = "auto", errors: str = "strict") -> Decoded:
    """Decode a whole file's bytes.

    *encoding* is one of ENCODINGS (or any Python codec name); *errors* is
    "strict" or "surrogateescape".  Raises DecodeFailure with the offset of
    the first undecodable byte.
    """
    base = 0
    used = encoding
    if encoding == "auto":
        for bom, name in _BOMS:
            if data.startswith(bom):
                used = name
                break
    if used.startswith(("utf-16", "utf-32")):
        # Strip the BOM ourselves; the codec name has no endianness guessing.
        for bom, name in _BOMS:
            if name == used and data.startswith(bom):
                base = len(bom)
        try:
            text = data[base:].decode(used, errors)
        except UnicodeDecodeError as e:
            raise _failure(data, e, base, display_encoding(used)) from None
        return Decoded(text, used, base > 0)
    if used == "auto":
        if data.startswith(codecs.BOM_UTF8):
            used = "utf-8"
        else:
            text, used = _decode_auto(data, errors)
            bom = text.startswith("\ufeff")
            return Decoded(text[1:] if bom else text, used, bom)
    try:
        text = data.decode(used, errors)
    except UnicodeDecodeError as e:
        raise _failure(data, e, 0, display_encoding(used)) from None
    bom = text.startswith("\ufeff")
    return Decoded(text[1:] if bom else text, used, bom)


def _bom_for(encoding: str) -> str:
    # U+FEFF encodes as the right BOM in every UTF; legacy encodings get none.
    return "\ufeff" if encoding.replace("_", "-").lower().startswith("utf") else ""


def encode(text: str, encoding: str, bom: bool, errors: str = "strict") -> bytes:
    """Encode converted text; *bom* re-adds the byte order mark the input had."""
    prefix = _bom_for(encoding) if bom else ""
    try:
        return (prefix + text).encode(encoding, errors)
    except UnicodeEncodeError as e:
        pos = e.start - len(prefix)
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise EncodeFailure(text[pos], line, column, encoding) from None


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data`: os.write may write less than asked (pipes, devices)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def split_crlf(text: str) -> tuple[str, bool]:
    """If every line ends in CRLF, return the text with LF ends and True.

    Markup scanners see the same text for a CRLF file as for its LF twin;
    :func:`join_crlf` puts the CRs back.  Mixed or lone CRs are left alone.
    """
    if "\r" not in text:
        return text, False
    lf = text.count("\n")
    if lf and text.count("\r\n") == lf == text.count("\r"):
        return text.replace("\r\n", "\n"), True
    return text, False


def join_crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


_NEW_FILE_MODE: int | None = None


def new_file_mode() -> int:
    """The mode open() would give a new file (0o666 less the umask)."""
    global _NEW_FILE_MODE
    if _NEW_FILE_MODE is None:
        mask = os.umask(0)
        os.umask(mask)
        _NEW_FILE_MODE = 0o666 & ~mask
    return _NEW_FILE_MODE


_counter = itertools.count()
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


_pid = os.getpid()  # getpid() is a system call; a worker refreshes this when forked


def _refresh_pid() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_refresh_pid)


def _temp_names(dest: str):
    """Names .NAME.PID-N.zhnorm-tmp beside *dest*: cheaper than
    tempfile.mkstemp (no random name per file); a name left by an earlier
    process with the same pid is skipped by O_EXCL."""
    directory, name = os.path.split(dest)
    prefix = os.path.join(directory, f".{name}.{_pid}-")
    for _ in range(100):
        yield f"{prefix}{next(_counter)}{TEMP_SUFFIX}"


class AtomicFile:
    """A temporary file beside *dest* that replaces it on commit().

    The temporary file is created in the destination directory (so the
    rename cannot cross file systems), written, flushed and fsynced, given
    *mode* (and the owner of the file it replaces, where permitted), then
    renamed over *dest*.  Any exception before the rename, KeyboardInterrupt
    included, removes the temporary file: *dest* is either untouched or
    completely replaced.
    """

    def __init__(self, dest: str, mode: int | None = None, owner: tuple[int, int] | None = None,
                 fsync: bool = True) -> None:
        self.dest = dest
        self.mode = mode
        self.owner = owner
        self.fsync = fsync
        self._fd, self.tmp = -1, None
        self._done = False
        # The name is recorded *before* the file is created, so a Ctrl-C (or
        # a worker's SIGTERM) arriving at any moment leaves nothing behind:
        # abort() removes the file if it was created (the name is only ours
        # once O_EXCL succeeded; a name taken by someone else is forgotten).
        # The file is created with its final mode when the umask allows it,
        # which saves an fchmod; otherwise 0600 until commit() sets the mode.
        self._mode_set = mode is not None and owner is None and mode & ~new_file_mode() == 0
        create_mode = mode if self._mode_set else 0o600
        for tmp in _temp_names(dest):
            self.tmp = tmp
            try:
                self._fd = os.open(tmp, _CREATE_FLAGS, create_mode)
                return
            except FileExistsError:
                self.tmp = None
            except BaseException:
                self.abort()
                raise
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(dest)}.", suffix=TEMP_SUFFIX,
                                   dir=os.path.dirname(dest) or ".")
        self._fd, self.tmp, self._mode_set = fd, tmp, False

    def write(self, data: bytes) -> None:
        write_all(self._fd, data)

    def commit(self) -> None:
        try:
            if self.fsync:
                os.fsync(self._fd)
            if self.owner is not None:
                try:
                    os.fchown(self._fd, *self.owner)
                except PermissionError:
                    pass
            if not self._mode_set:
                os.fchmod(self._fd, self.mode if self.mode is not None else new_file_mode())
            os.close(self._fd)
            self._fd = -1
            os.replace(self.tmp, self.dest)  # EISDIR if dest is a directory
            self._done = True
        finally:
            if not self._done:
                self.abort()

    def abort(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1
        if not self._done:
            if self.tmp is not None:
                try:
                    os.unlink(self.tmp)
                except FileNotFoundError:
                    pass
            self._done = True

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or not self._done:
            self.abort()


def atomic_write(dest: str, data: bytes, mode: int | None = None,
                 owner: tuple[int, int] | None = None, fsync: bool = True) -> None:
    """Replace *dest* with *data* atomically (see AtomicFile)."""
    f = AtomicFile(dest, mode, owner, fsync)
    try:
        f.write(data)
        f.commit()
    except BaseException:
        f.abort()
        raise


class ThroughFile:
    """Writes straight into an existing special file (a device, a FIFO, an
    inherited descriptor such as /dev/fd/3), with AtomicFile's interface.

    Such a file cannot be replaced by renaming without destroying it (as
    root, ``-o /dev/null`` would put a regular file in place of the system's
    null device), and what is written into it cannot be taken back, so
    abort() only closes it.  Opening a FIFO waits for a reader, as a shell's
    ``>`` does.
    """

    def __init__(self, dest: str, wait_for_reader: bool = True) -> None:
        self.dest = dest
        self.tmp = None
        fd = descriptor_of(dest)
        if fd is not None:
            # The caller's own open file (its offset, O_APPEND), as a shell
            # treats /dev/fd/N, not a second opening that starts at 0.
            self._fd = os.dup(fd)
        elif wait_for_reader:
            self._fd = os.open(dest, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        else:
            # A FIFO nobody reads fails at once (ENXIO) instead of holding
            # up a whole tree's run.
            self._fd = os.open(dest, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            os.set_blocking(self._fd, True)

    def write(self, data: bytes) -> None:
        write_all(self._fd, data)

    def commit(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)  # a close error (NFS, a full device) is a write error

    def abort(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1

    def __enter__(self) -> "ThroughFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.abort()


_DESCRIPTOR_NAMES = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_of(path: str) -> int | None:
    """N for /dev/fd/N, /proc/self/fd/N, /dev/stdout (1) ...: names of a
    descriptor this process holds, or None."""
    norm = os.path.normpath(path)
    if norm in _DESCRIPTOR_NAMES:
        return _DESCRIPTOR_NAMES[norm]
    for prefix in ("/dev/fd/", "/proc/self/fd/", f"/proc/{os.getpid()}/fd/"):
        if norm.startswith(prefix) and norm[len(prefix):].isdigit():
            return int(norm[len(prefix):])
    return None


def resolve_output(dest: str) -> tuple[str, str]:
    """How to write *dest*: ("through", path) or ("atomic", path).

    * a device, FIFO or socket (or a symlink to one), and a descriptor name
      such as /dev/fd/N: written through, never renamed over;
    * a symbolic link to a regular file (or to a name not yet created): the
      file it names is replaced, and the link stays a link;
    * anything else: replaced atomically, by that name.
    """
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        st = None
    except OSError:
        st = None  # a loop or a bad path: the write reports it
    if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return "through", dest
    if descriptor_of(dest) is not None:
        return "through", dest
    if os.path.islink(dest):
        return "atomic", os.path.realpath(dest)
    return "atomic", dest


def open_output(dest: str, mode: int | None = None, owner: tuple[int, int] | None = None,
                fsync: bool = True, wait_for_reader: bool = True) -> "AtomicFile | ThroughFile":
    """A writer for *dest* that never destroys a special file or a link
    (see resolve_output).  *wait_for_reader*: a FIFO is opened as a shell
    would, waiting for its reader (False: fail if it has none)."""
    how, path = resolve_output(dest)
    if how == "through":
        return ThroughFile(path, wait_for_reader)
    return AtomicFile(path, mode, owner, fsync)


def write_output(dest: str, data: bytes, mode: int | None = None,
                 owner: tuple[int, int] | None = None, fsync: bool = True,
                 wait_for_reader: bool = True) -> None:
    """Write *data* to *dest* as open_output() would, all or nothing where
    the destination allows it."""
    f = open_output(dest, mode, owner, fsync, wait_for_reader)
    try:
        f.write(data)
        f.commit()
    except BaseException:
        f.abort()
        raise


def mode_of(st: os.stat_result) -> int:
    return stat.S_IMODE(st.st_mode)
