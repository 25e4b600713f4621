"""Where the server finds the pages' templates, its static files and the browser's third-party
ES modules.

In a checkout (an editable install, as `make setup` makes) they are the repository's own
`templates/`, `static/` and `node_modules/` (from package.json). A wheel carries copies of
them, laid out the same way under `drafting/_assets/`: the build (setup.py) copies them there,
so that an installed server needs neither the checkout nor npm. Nothing is copied into the
repository itself.

This module imports nothing from the package: setup.py reads VENDOR and BUNDLED_FILES from it
before any dependency is installed.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_assets"  # in an installed wheel
CHECKOUT = PACKAGE.parent  # in a checkout

# the browser's modules, by their address under /vendor/: the file under node_modules/
VENDOR = {
    "socket.io.esm.js": "socket.io-client/dist/socket.io.esm.min.js",
    "diff-match-patch.js": "diff-match-patch/index.js",  # CommonJS: web.py wraps it
}
# their licences, and those of the packages the socket.io bundle contains, travel with them
VENDOR_LICENSES = [
    "socket.io-client/LICENSE",
    "engine.io-client/LICENSE",
    "engine.io-parser/LICENSE",
    "socket.io-parser/LICENSE",
    "@socket.io/component-emitter/LICENSE",
    "diff-match-patch/LICENSE",
]
# what a wheel carries, relative to the checkout: folders whole, and single files
BUNDLED_DIRS = ["templates", "static"]
BUNDLED_FILES = [f"node_modules/{path}" for path in [*VENDOR.values(), *VENDOR_LICENSES]]


def _root() -> Path:
    return BUNDLED if (BUNDLED / "templates").is_dir() else CHECKOUT


ROOT = _root()
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
NODE_MODULES = ROOT / "node_modules"


def vendor_file(name: str) -> Path:
    """The file behind /vendor/NAME."""
    return NODE_MODULES / VENDOR[name]


def missing() -> list[Path]:
    """What the pages need and this install lacks: in a checkout, node_modules before `npm ci`
    (`make setup`)."""
    needed = [TEMPLATES, STATIC, *(vendor_file(name) for name in VENDOR)]
    return [path for path in needed if not path.exists()]
