"""Placeholder: filled in by its own issue."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    _ = sub, argparse
