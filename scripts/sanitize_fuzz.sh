#!/bin/sh
# Build zhnorm's C extensions with AddressSanitizer and UndefinedBehaviorSanitizer,
# run the C-facing tests under them, then fuzz every public function.
#
#   scripts/sanitize_fuzz.sh                  # 30 minutes of fuzzing (FUZZ_SECONDS=1800)
#   FUZZ_SECONDS=120 scripts/sanitize_fuzz.sh # a quick look
#   nice -n 19 scripts/sanitize_fuzz.sh       # on a shared machine
#
# Environment:
#   PYTHON        the interpreter whose environment has zhnorm's test extras
#                 (default: python3); the extensions are built for it
#   CC            a compiler with -fsanitize=address,undefined (default: gcc)
#   SAN_BUILD     where everything goes (default: build/sanitize, git-ignored)
#   FUZZ_SECONDS  how long to fuzz (default 1800); 0 runs the tests only
#   SAN_TESTS     which C-facing test modules to run first (default: the four
#                 below; under the sanitizers they take several times longer
#                 than usual, test_markup_c's property tests most); "" for none
#   FUZZ_SEED     fix the fuzzer's random seed (default: a new one per run)
#
# Nothing in the source tree changes: the extensions are compiled into
# $SAN_BUILD/lib and a copy of the pure-Python package with them sits in
# $SAN_BUILD/pkg, which is put first on PYTHONPATH. The interpreter itself is
# not instrumented, so the sanitizer runtimes are preloaded (LD_PRELOAD) and
# PYTHONMALLOC=malloc sends Python's own allocations through ASan too, so
# that a use-after-free of a Python object (a string freed under a borrowed
# pointer) is caught. Leak checking is off: CPython keeps a great deal alive
# at exit on purpose.
#
# Output: the test results, then one JSON line from scripts/fuzz_public.py
# (documents fuzzed, calls, findings). A sanitizer report stops the run with
# a non-zero status; the document that triggered it is in
# $SAN_BUILD/fuzz/current.txt (replay: python scripts/fuzz_public.py --replay
# $SAN_BUILD/fuzz/current.txt under the same environment). Exceptions other
# than the documented ones are written to $SAN_BUILD/fuzz/findings.txt.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
CC=${CC:-gcc}
SAN_BUILD=${SAN_BUILD:-$ROOT/build/sanitize}
FUZZ_SECONDS=${FUZZ_SECONDS:-1800}

SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"

echo "== building the extensions with $SAN_FLAGS into $SAN_BUILD"
rm -rf "$SAN_BUILD/lib" "$SAN_BUILD/tmp" "$SAN_BUILD/pkg"
mkdir -p "$SAN_BUILD/pkg" "$SAN_BUILD/cache" "$SAN_BUILD/fuzz"
(
    cd "$ROOT"
    CC="$CC" CFLAGS="$SAN_FLAGS" LDFLAGS="-fsanitize=address,undefined" \
        "$PYTHON" setup.py -q build_ext --build-lib "$SAN_BUILD/lib" --build-temp "$SAN_BUILD/tmp" --force
)
cp -r "$ROOT/src/zhnorm" "$SAN_BUILD/pkg/"
find "$SAN_BUILD/pkg" \( -name '*.so' -o -name '*.c' -o -name '__pycache__' \) -prune -exec rm -rf {} +
cp "$SAN_BUILD"/lib/zhnorm/*.so "$SAN_BUILD/pkg/zhnorm/"

LD_PRELOAD="$("$CC" -print-file-name=libasan.so) $("$CC" -print-file-name=libubsan.so)"
export LD_PRELOAD
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONMALLOC=malloc
export PYTHONPATH="$SAN_BUILD/pkg"
export PYTHONDONTWRITEBYTECODE=1
export ZHNORM_CACHE_DIR="$SAN_BUILD/cache"
export ZHNORM_REQUIRE_ACCEL=1
unset ZHNORM_PURE_PYTHON || true

"$PYTHON" - "$SAN_BUILD/pkg" <<'EOF'
import sys, zhnorm._accel as a, zhnorm._mdscan as m
for mod in (a, m):
    assert mod.__file__.startswith(sys.argv[1]), f"{mod.__name__} came from {mod.__file__}, not the sanitized build"
print("== sanitized extensions:", a.__file__, m.__file__)
EOF

echo "== C-facing tests under the sanitizers"
cd "$ROOT"
C_TESTS=""
for t in ${SAN_TESTS-test_c_boundary test_accel test_markup_fastpath test_markup_c}; do
    if [ -f "tests/$t.py" ]; then C_TESTS="$C_TESTS tests/$t.py"; fi
done
if [ -n "$C_TESTS" ]; then
    # shellcheck disable=SC2086
    "$PYTHON" -m pytest -q -x -p no:cacheprovider -o addopts="" $C_TESTS
fi

if [ "$FUZZ_SECONDS" != 0 ]; then
    echo "== fuzzing the public functions for $FUZZ_SECONDS s"
    set -- --seconds "$FUZZ_SECONDS" --out "$SAN_BUILD/fuzz"
    if [ -n "${FUZZ_SEED:-}" ]; then set -- "$@" --seed "$FUZZ_SEED"; fi
    "$PYTHON" "$ROOT/scripts/fuzz_public.py" "$@"
fi
