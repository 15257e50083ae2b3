"""jaxtutor: a self-hostable web app that teaches JAX by doing."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("jaxtutor")
    except PackageNotFoundError:  # a checkout on PYTHONPATH without `pip install -e .`
        return "0+unknown"


__version__ = _version()
