#!/usr/bin/env python3
"""Build the single-file netguard: a zipapp that runs with a stock Python 3.11+.

    python3 tools/build_zipapp.py                  # writes dist/netguard.pyz
    python3 tools/build_zipapp.py -o /tmp/ng.pyz
    python3 dist/netguard.pyz inspect --key KEY -o DIR

Inspectors run ``netguard inspect`` on the machine in front of them, which has python3 and
nothing from PyPI. The archive holds the ``netguard`` package of this checkout and the
pure-Python parts of its runtime dependencies, taken from the environment running this script:
PyYAML (without ``_yaml``: ``yaml/__init__.py`` falls back to the pure-Python loader),
Jinja2, MarkupSafe (without ``_speedups``: it falls back to ``_native``), rich, and tzdata
(zone data for machines without /usr/share/zoneinfo). Not paramiko, cryptography, bcrypt,
PyNaCl or psutil: they are C extensions or need them, and netguard runs without them (SSH
audits and encrypted keys need the full install).

A zip cannot hold importable C extensions, so the build fails if any ``.so``/``.pyd`` other
than the known optional accelerators above would be copied. After writing, the archive is run
once with ``-I -S`` (no site-packages) to prove that every module imports from it.

The archive carries ``BUILD-INFO`` (JSON: netguard's version, the dependency versions, the git
commit) and the dependencies' licence files under ``LICENSES/``:
``python3 -m zipfile -e dist/netguard.pyz x`` or ``unzip -p dist/netguard.pyz BUILD-INFO``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipapp
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "dist" / "netguard.pyz"
INTERPRETER = "/usr/bin/env python3"
EXTENSION_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
#: Never copied: build leftovers and C sources or stubs nothing imports.
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".c", ".h", ".pyi")
#: Packages that must never be in the archive (they need C extensions; netguard imports them
#: only for SSH, encrypted keys or process listings, and runs without them otherwise).
FORBIDDEN = ("paramiko", "cryptography", "bcrypt", "nacl", "psutil", "_cffi_backend")

MAIN_PY = '''\
"""netguard, single-file build (see BUILD-INFO in this archive)."""

import sys

from netguard.cli import main

sys.exit(main())
'''


@dataclass(frozen=True)
class Dependency:
    """A runtime dependency copied from the installed environment."""

    package: str  # the top-level import package
    distribution: str  # its name on PyPI, for the version and the licence files
    #: C extensions the package can do without (file name prefixes inside the package): they
    #: are left out; any other extension module fails the build.
    optional_extensions: tuple[str, ...] = ()
    #: Files (paths inside the package) left out to keep the archive small; never imported.
    dropped: tuple[str, ...] = ()


DEPENDENCIES = (
    # yaml/__init__.py: `try: from .cyaml import *` … `except ImportError` → pure Python.
    Dependency("yaml", "PyYAML", optional_extensions=("_yaml.",)),
    Dependency("jinja2", "Jinja2"),
    # markupsafe/__init__.py: `try: from ._speedups import …` `except ImportError` → _native.
    Dependency("markupsafe", "MarkupSafe", optional_extensions=("_speedups.",)),
    # rich imports pygments only for rich.syntax/traceback/markdown, markdown_it/mdurl only for
    # rich.markdown: netguard uses none of them, so neither is copied (measured: they are not
    # in sys.modules after any netguard command).
    Dependency("rich", "rich"),
    # zoneinfo reads the compiled zone files and `zones`; tzdata.zi (the compact source form,
    # 105 kB) is for other readers.
    Dependency("tzdata", "tzdata", dropped=("zoneinfo/tzdata.zi",)),
)


class BuildError(Exception):
    """The archive cannot be built as specified (a message for the person building it)."""


@dataclass(frozen=True)
class BuildResult:
    path: Path
    size: int
    version: str  # netguard's
    commit: str | None
    dirty: bool | None
    dependencies: dict[str, str]  # distribution → version
    packages: tuple[str, ...]  # top-level folders of the archive


def build(
    output: str | os.PathLike[str] = DEFAULT_OUTPUT,
    *,
    source: str | os.PathLike[str] = ROOT / "netguard",
    check: bool = True,
) -> BuildResult:
    """Write the zipapp to output and return what was built. Raises BuildError."""
    output = Path(output).absolute()
    source = Path(source)
    if not (source / "__init__.py").is_file():
        raise BuildError(f"{source}: not the netguard package")
    with tempfile.TemporaryDirectory(prefix="netguard-zipapp-") as tmp:
        stage = Path(tmp) / "app"
        stage.mkdir()
        _copy_package(source, stage / "netguard", optional_extensions=())
        versions: dict[str, str] = {}
        for dep in DEPENDENCIES:
            versions[dep.distribution] = _copy_dependency(dep, stage)
        commit, dirty = _git_state(source)
        info = _build_info(source, versions, commit, dirty)
        (stage / "BUILD-INFO").write_text(
            json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (stage / "__main__.py").write_text(MAIN_PY, encoding="utf-8")
        _refuse_extensions(stage)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        try:
            zipapp.create_archive(stage, partial, interpreter=INTERPRETER, compressed=True)
            mode = partial.stat().st_mode  # zipapp makes it executable by its owner only
            partial.chmod(mode | (mode & 0o444) >> 2)  # whoever may read it may run it
            _check_archive(partial)
            if check:
                smoke_test(partial)
        except BaseException:
            partial.unlink(missing_ok=True)  # never leave a half-made or failing archive
            raise
        os.replace(partial, output)
    packages = tuple(sorted({Path(n).parts[0] for n in _names(output) if "/" in n}))
    return BuildResult(
        output,
        output.stat().st_size,
        version=str(info["version"]),
        commit=commit,
        dirty=dirty,
        dependencies=versions,
        packages=packages,
    )


# -- copying -------------------------------------------------------------------------------------


def _copy_package(
    src: Path, dest: Path, optional_extensions: tuple[str, ...], dropped: tuple[str, ...] = ()
) -> None:
    """Copy a package's tree without caches; known optional C extensions are left out, any
    other extension module is refused."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        here = Path(dirpath)
        rel_dir = here.relative_to(src)
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix()
            if name.endswith(SKIPPED_SUFFIXES) or rel in dropped:
                continue
            if _is_extension(name):
                if rel_dir == Path(".") and name.startswith(optional_extensions):
                    continue
                raise BuildError(
                    f"{here / name}: a C extension cannot be imported from a zip archive, and "
                    f"{src.name} is not known to work without it; refusing to build"
                )
            target = dest / rel_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(here / name, target)


def _copy_dependency(dep: Dependency, stage: Path) -> str:
    """Copy an installed dependency's pure-Python files and licence; its version."""
    spec = importlib.util.find_spec(dep.package)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            f"{dep.package} ({dep.distribution}) is not installed in {sys.executable}; "
            f"install netguard's dependencies first (pip install -e .)"
        )
    (location,) = spec.submodule_search_locations
    _copy_package(Path(location), stage / dep.package, dep.optional_extensions, dep.dropped)
    try:
        dist = importlib.metadata.distribution(dep.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise BuildError(f"no installed distribution {dep.distribution!r}") from None
    for file in dist.files or ():
        upper = file.name.upper()
        if upper.startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE")):
            target = stage / "LICENSES" / dep.distribution / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(file.locate())), target)
    return dist.version


def _is_extension(name: str) -> bool:
    return name.endswith(EXTENSION_SUFFIXES) or ".so." in name


def _refuse_extensions(stage: Path) -> None:
    """The last word before zipping: no extension module and no forbidden package."""
    found = sorted(
        p.relative_to(stage).as_posix()
        for p in stage.rglob("*")
        if p.is_file() and _is_extension(p.name)
    )
    if found:
        raise BuildError("C extensions would end up in the archive: " + ", ".join(found))
    bad = [n for n in FORBIDDEN if (stage / n).exists() or (stage / f"{n}.py").exists()]
    if bad:
        raise BuildError(
            "packages that need C extensions would be in the archive: " + ", ".join(bad)
        )


# -- build information ---------------------------------------------------------------------------


def _netguard_version(source: Path) -> str:
    """netguard.__version__, read from the source without importing it (the checkout being
    built, not whatever netguard this Python happens to import)."""
    tree = ast.parse((source / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise BuildError(f"{source / '__init__.py'}: no __version__")


def _git(source: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=source, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _git_state(source: Path) -> tuple[str | None, bool | None]:
    """The commit checked out, and whether the package's files differ from it (None: unknown,
    e.g. not a git checkout or no git)."""
    commit = _git(source, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(source, "status", "--porcelain", "--untracked-files=normal", "--", ".")
    return commit, (bool(status) if status is not None else None)


def _build_info(
    source: Path, versions: dict[str, str], commit: str | None, dirty: bool | None
) -> dict[str, object]:
    tzdata = importlib.import_module("tzdata")  # installed: _copy_dependency found it
    return {
        "name": "netguard",
        "version": _netguard_version(source),
        "format": "zipapp",
        "built": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "built_with": f"Python {sys.version.split()[0]}",
        "requires_python": ">=3.11",
        "git_commit": commit,
        # the working tree differed from the commit (uncommitted or untracked files in netguard/)
        "git_dirty": dirty,
        "dependencies": dict(sorted(versions.items())),
        "tzdata_iana_version": getattr(tzdata, "IANA_VERSION", None),
        "left_out": "paramiko, cryptography, bcrypt, PyNaCl, psutil (SSH audits and encrypted "
        "keys need the full install); C accelerators of PyYAML and MarkupSafe",
    }


# -- checks --------------------------------------------------------------------------------------


def _names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        return z.namelist()


def _check_archive(archive: Path) -> None:
    """What is in the zip itself, whatever the staging folder held."""
    names = _names(archive)
    found = [n for n in names if _is_extension(n.rsplit("/", 1)[-1])]
    if found:
        raise BuildError("C extensions in the archive: " + ", ".join(found))
    for required in ("__main__.py", "BUILD-INFO", "netguard/__init__.py"):
        if required not in names:
            raise BuildError(f"the archive lacks {required}")


_SMOKE = """
import sys
archive = sys.argv[1]
sys.path.insert(0, archive)
import yaml, jinja2, markupsafe, rich.console, rich.progress, rich.table, tzdata
import netguard.cli, netguard.render.html, netguard.evidence.keys
for mod in (yaml, jinja2, markupsafe, rich.console, tzdata, netguard.cli):
    assert mod.__file__.startswith(archive), (mod.__name__, mod.__file__)
assert not yaml.__with_libyaml__, "yaml did not fall back to pure Python"
assert markupsafe._escape_inner.__module__ == "markupsafe._native", "markupsafe speedups"
assert str(markupsafe.escape("<a>")) == "&lt;a&gt;"
assert yaml.safe_load("a: [1, 2]") == {"a": [1, 2]}
assert netguard.evidence.keys.BACKEND == netguard.evidence.keys.PURE_PYTHON
for name in ("paramiko", "cryptography", "bcrypt", "nacl", "psutil", "pygments"):
    assert name not in sys.modules, name
print("ok")
"""


def smoke_test(archive: Path) -> None:
    """Import everything from the archive in an isolated Python (-I -S: no site-packages, no
    user site, no PYTHON* variables), as on a machine with nothing from PyPI."""
    with tempfile.TemporaryDirectory(prefix="netguard-zipapp-check-") as tmp:
        proc = _bare_python(["-c", _SMOKE, str(archive)], tmp)
        if proc.returncode != 0 or proc.stdout.strip() != "ok":
            raise BuildError(f"the archive does not import on a bare Python:\n{proc.stderr}")
        version = _bare_python([str(archive), "--version"], tmp)
        if version.returncode != 0 or not version.stdout.startswith("netguard "):
            raise BuildError(f"{archive} --version failed:\n{version.stdout}{version.stderr}")


def _bare_python(args: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=_clean_env(),
        check=False,
    )


def _clean_env() -> dict[str, str]:
    """A minimal environment: no PYTHONPATH or virtualenv leaking the full install in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
    return {k: v for k, v in os.environ.items() if k in keep}


# -- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "-o",
        "--output",
        default=str(DEFAULT_OUTPUT),
        help="the archive to write (default: dist/netguard.pyz)",
    )
    p.add_argument(
        "--no-check", action="store_true", help="skip running the archive on a bare Python"
    )
    args = p.parse_args(argv)
    try:
        result = build(args.output, check=not args.no_check)
    except BuildError as exc:
        print(f"build_zipapp: error: {exc}", file=sys.stderr)
        return 1
    deps = ", ".join(f"{k} {v}" for k, v in sorted(result.dependencies.items()))
    git = (result.commit or "unknown")[:12] + (" + uncommitted changes" if result.dirty else "")
    print(f"{result.path}: {result.size:,} bytes ({result.size / 1024:.0f} KiB)")
    print(f"netguard {result.version} (git {git}); {deps}")
    print("packages: " + ", ".join(result.packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
