"""The wheel's build step that pyproject.toml cannot say: copy the pages' templates, the static
files and the browser's third-party modules (from node_modules, which `npm ci` fills from
package.json) into the built package, under drafting/_assets/, so that an installed server
needs no checkout and no npm. drafting/assets.py lists them and finds them at run time.

The copies go to the build folder only, never into the source tree. An editable install
(`make setup`) copies nothing: it serves the checkout's own folders.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _assets_module():
    # by its path: importing the package would import Flask, not installed at build time
    spec = importlib.util.spec_from_file_location("_drafting_assets", HERE / "drafting/assets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        assets = _assets_module()
        missing = [p for p in assets.BUNDLED_DIRS + assets.BUNDLED_FILES if not (HERE / p).exists()]
        if missing:
            raise SystemExit(
                "Cannot build drafting: missing " + ", ".join(missing) + ". The browser's modules "
                "come from npm: run `npm ci` (or `make setup`) in the checkout first."
            )
        target = Path(self.build_lib) / "drafting" / "_assets"
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        for folder in assets.BUNDLED_DIRS:
            shutil.copytree(HERE / folder, target / folder, ignore=ignore)
        for file in assets.BUNDLED_FILES:
            (target / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / file, target / file)


setup(cmdclass={"build_py": BuildWithAssets})
