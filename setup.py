"""Declares zhnorm's optional C extensions; all other metadata is in pyproject.toml.

``optional=True``: without a C compiler the build skips the extensions and
zhnorm runs on its pure-Python code, so ``pip install`` never fails for it.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("zhnorm._accel", ["src/zhnorm/_accel.c"], optional=True),
        Extension(
            "zhnorm._mdscan", ["src/zhnorm/_mdscan.c"],
            # generated from the Python scanner (scripts/gen_mdscan_tables.py), committed
            depends=["src/zhnorm/_mdscan_tables.h"], optional=True,
        ),
    ],
    # The C source is built, not shipped inside the installed package.
    exclude_package_data={"zhnorm": ["*.c", "*.h"]},
)
