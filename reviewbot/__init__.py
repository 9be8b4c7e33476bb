"""reviewbot: review Linux kernel patches for module-ownership and object-lifetime bugs.

The rule modules live in the top-level ``checks/`` directory and the Jinja2 templates in
``templates/``.  A wheel ships them inside this package (``reviewbot.checks``,
``reviewbot/templates``); in a source checkout or an editable install they sit beside the
package, and the lines below make ``reviewbot.checks`` resolve there.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

_PKG = Path(__file__).resolve().parent
_SRC = _PKG.parent
if not (_PKG / "checks").is_dir() and (_SRC / "checks" / "__init__.py").is_file():
    __path__.append(str(_SRC))  # noqa: F821  (package __path__): reviewbot.checks -> ./checks


def resource_dir(name: str) -> Path:
    """Directory of shipped data (``templates``) for a wheel and a source tree alike."""
    for base in (_PKG, _SRC):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reviewbot: data directory {name!r} is missing from the installation")


__all__ = ["__version__", "resource_dir"]


def _ahead_of_time() -> None:
    from reviewbot import aot  # regular expressions and dataclass methods compiled ahead of time

    aot.install()


_ahead_of_time()
