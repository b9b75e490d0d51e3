"""The package as users install and import it: metadata, exports, errors,
types, which engine runs, and the pure-Python engine without numpy."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import zhnorm

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
USER_SCRIPT = Path(__file__).resolve().parent / "fixtures" / "typing" / "user_script.py"


def project() -> dict:
    return tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]


# --- metadata -----------------------------------------------------------------------


def test_requires_the_python_the_code_needs():
    # The regexes use possessive quantifiers, new in Python 3.11.
    assert project()["requires-python"] == ">=3.11"


def test_license_declares_both_licences():
    meta = project()
    assert meta["license"] == "Apache-2.0 AND CC-BY-SA-4.0"
    files = meta["license-files"]
    for f in files:
        assert (ROOT / f).is_file(), f
    assert any("CGROUPS-NOTICE" in f for f in files)
    assert "CC BY-SA 4.0" in (ROOT / "src/zhnorm/data/CGROUPS-NOTICE.md").read_text("utf-8")


def test_numpy_is_optional():
    meta = project()
    assert not any(d.startswith("numpy") for d in meta["dependencies"])
    assert any(d.startswith("numpy") for d in meta["optional-dependencies"]["numpy"])


def test_wheel_build_configuration():
    cfg = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["cibuildwheel"]
    assert "cp311-*" in cfg["build"] and "cp313-*" in cfg["build"]
    assert "auditwheel repair" in cfg["linux"]["repair-wheel-command"]
    assert {"linux", "macos", "windows"} <= set(cfg)


def test_sdist_manifest_carries_what_the_tests_need():
    manifest = (ROOT / "MANIFEST.in").read_text("utf-8").split()
    for needed in ("tests", "seeds", "scripts/build_cgroups.py", "src/zhnorm/py.typed"):
        assert needed in manifest, needed


# --- exports and errors ---------------------------------------------------------------


ERRORS = ["UnknownTargetError", "UnknownGroupError", "UnknownVariantError", "RuleFileError",
          "RuleSyntaxError"]
TYPES = ["ConversionResult", "Token", "Change", "Detection", "Target", "EngineInfo", "UserRule",
         "Converter"]


@pytest.mark.parametrize("name", ERRORS + TYPES + ["ZhnormError", "engine_info"])
def test_exported(name):
    assert name in zhnorm.__all__
    assert getattr(zhnorm, name) is not None


def test_every_name_in_all_resolves():
    for name in zhnorm.__all__:
        assert getattr(zhnorm, name) is not None, name


@pytest.mark.parametrize("name", ERRORS)
def test_every_error_is_a_zhnorm_error(name):
    assert issubclass(getattr(zhnorm, name), zhnorm.ZhnormError)


def test_errors_raised_are_caught_as_zhnorm_errors(tmp_path):
    with pytest.raises(zhnorm.ZhnormError):
        zhnorm.Converter("zh-TW", groups=["no such group"])
    with pytest.raises(KeyError):  # still what it was
        zhnorm.Converter("zh-TW", groups=["no such group"])
    bad = tmp_path / "rules.txt"
    bad.write_text("-{zh-cn:软件;zh-tw\n", "utf-8")
    with pytest.raises(zhnorm.ZhnormError):
        zhnorm.load_rules(bad)
    with pytest.raises(zhnorm.ZhnormError):
        zhnorm.Converter("zh-XX")


# --- types -------------------------------------------------------------------------


def _public_callables():
    for name in zhnorm.__all__:
        obj = getattr(zhnorm, name)
        if inspect.isfunction(obj):
            yield name, obj
    for meth in ("__init__", "convert", "convert_markup", "convert_title"):
        yield f"Converter.{meth}", getattr(zhnorm.Converter, meth)


def test_package_ships_py_typed():
    assert (Path(zhnorm.__file__).parent / "py.typed").is_file()
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["setuptools"]["package-data"]["zhnorm"]
    assert "py.typed" in data


@pytest.mark.parametrize("name, func", list(_public_callables()))
def test_public_api_is_fully_annotated(name, func):
    sig = inspect.signature(func)
    missing = [p for p, v in sig.parameters.items()
               if p != "self" and v.annotation is inspect.Parameter.empty]
    assert missing == [], f"{name}: parameters without a type: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type"


def test_user_script_passes_mypy_strict():
    pytest.importorskip("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                        "--no-incremental", str(USER_SCRIPT)],
                       cwd=USER_SCRIPT.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=600)
    assert r.returncode == 0, r.stdout.decode()


def test_mypy_sees_the_real_types(tmp_path):
    """The check above is not vacuous: a wrong use of each result type fails."""
    pytest.importorskip("mypy")
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import zhnorm\n"
        "a: int = zhnorm.convert('x', 's2t')\n"
        "b: int = zhnorm.Converter('s2t').convert_markup('x')\n"
        "c: int = zhnorm.explain('x', 's2t')\n"
        "d: int = zhnorm.engine_info()\n", "utf-8")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                        "--no-incremental", str(bad)],
                       cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = r.stdout.decode()
    assert r.returncode == 1
    for line in (2, 3, 4, 5):
        assert f"bad.py:{line}: error: Incompatible types" in out, out


def test_user_script_runs(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("-{zh-cn:悉尼;zh-tw:雪梨}-\n", "utf-8")
    r = subprocess.run([sys.executable, str(USER_SCRIPT), str(rules)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert "頭髮" in r.stdout.decode()


# --- which engine runs --------------------------------------------------------------------


def test_engine_info(monkeypatch, tmp_path):
    from zhnorm import accel

    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("ZHNORM_PURE_PYTHON", raising=False)
    info = zhnorm.engine_info()
    assert info.cache_dir == str(tmp_path / "c")
    assert info.engine == ("C" if accel.available() else "pure Python")
    monkeypatch.setenv("ZHNORM_PURE_PYTHON", "1")
    assert zhnorm.engine_info().engine == "pure Python"
    assert zhnorm.engine_info().forced_pure_python


def test_version_names_engine_and_cache(tmp_path):
    env = dict(os.environ, ZHNORM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("ZHNORM_PURE_PYTHON", None)
    r = subprocess.run([sys.executable, "-m", "zhnorm", "--version"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    out = r.stdout.decode()
    assert r.returncode == 0
    assert out.startswith(f"zhnorm {zhnorm.__version__} (")
    assert " engine" in out and str(tmp_path / "cache") in out
    env["ZHNORM_PURE_PYTHON"] = "1"
    r = subprocess.run([sys.executable, "-m", "zhnorm", "--version"], stdout=subprocess.PIPE,
                       env=env, timeout=120)
    assert "pure Python engine" in r.stdout.decode()


_CONVERT_AND_LOG = """
import logging, sys
logging.basicConfig(format="LOG %(levelname)s %(message)s")
import zhnorm
print(zhnorm.convert("头发", "s2t"))
"""


def test_fallback_engine_logs_a_warning(tmp_path):
    env = dict(os.environ, ZHNORM_PURE_PYTHON="1")
    r = subprocess.run([sys.executable, "-c", _CONVERT_AND_LOG], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.decode().strip() == "頭髮"
    err = r.stderr.decode()
    assert err.count("LOG WARNING zhnorm: using the pure-Python engine") == 1, err


def test_c_engine_logs_nothing():
    from zhnorm import accel

    if not accel.available():
        pytest.skip("the C extension is not built")
    env = dict(os.environ)
    env.pop("ZHNORM_PURE_PYTHON", None)
    r = subprocess.run([sys.executable, "-c", _CONVERT_AND_LOG], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=300)
    assert r.returncode == 0 and "LOG" not in r.stderr.decode()


# --- the pure-Python engine without numpy --------------------------------------------------


def _long_text() -> str:
    fixtures = sorted((Path(__file__).parent / "fixtures" / "cli" / "articles").glob("*.md"))
    return "".join(p.read_text("utf-8") for p in fixtures) * 2 + "\U00020000乾隆\ufa0c" * 50


@pytest.mark.parametrize("config", ["s2twp", "t2s", "s2hk"])
def test_fallback_without_numpy_equals_with_it(config, monkeypatch):
    from zhnorm import charmap
    from zhnorm.cache import load_compiled
    from zhnorm.engine import Engine

    if not charmap.HAVE_NUMPY:
        pytest.skip("numpy is not installed: nothing to compare with")
    text = _long_text()
    assert len(text) > 4 * charmap.NUMPY_MIN_LENGTH
    with_numpy = Engine(load_compiled(config), accelerate=False).convert(text)
    monkeypatch.setattr(charmap, "HAVE_NUMPY", False)
    without = Engine(load_compiled(config), accelerate=False).convert(text)
    assert without == with_numpy
    assert without == zhnorm.convert(text, config)


_NO_NUMPY = """
import sys
sys.modules["numpy"] = None  # as if it were not installed
import zhnorm
from zhnorm import charmap
assert not charmap.HAVE_NUMPY
text = sys.stdin.read()
sys.stdout.write(zhnorm.convert(text, "s2twp"))
assert "numpy" not in sys.modules or sys.modules["numpy"] is None
"""


def test_pure_python_engine_runs_without_numpy():
    text = _long_text()
    env = dict(os.environ, ZHNORM_PURE_PYTHON="1")
    r = subprocess.run([sys.executable, "-c", _NO_NUMPY], input=text.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode("utf-8") == zhnorm.convert(text, "s2twp")
