"""``python -m zhnorm``: the same as the ``zhnorm`` console script."""

from zhnorm.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
