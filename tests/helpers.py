"""Paths the tests share (conftest modules are not importable by name: there are two)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "rome-declaration.txt"
ARTIFACTS = REPO / "tests" / "artifacts"
