"""Builds libsparseqp_c.so with SwiftPM (release) and ships it inside the `sparseqp` package.

Needs a Swift toolchain (`swift` on PATH, or SWIFT=/path/to/swift) and SuiteSparse/METIS/OpenBLAS
development packages (the repository's scripts/setup installs them on Debian).

Environment:
  SPARSEQP_SOURCE_DIR  the SwiftPM package (default: the directory above this file)
  SPARSEQP_PREBUILT    an already built libsparseqp_c.so to ship instead of building
                       (e.g. the debug build of `swift build`; used by scripts/test to avoid a
                       second, release build in CI)
"""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
LIBRARY = "libsparseqp_c.so"


def build_library() -> Path:
    prebuilt = os.environ.get("SPARSEQP_PREBUILT")
    if prebuilt:
        path = Path(prebuilt).resolve()
        if not path.is_file():
            raise RuntimeError(f"SPARSEQP_PREBUILT={prebuilt} is not a file")
        return path
    source = Path(os.environ.get("SPARSEQP_SOURCE_DIR", HERE.parent)).resolve()
    if not (source / "Package.swift").is_file():
        raise RuntimeError(f"no Package.swift in {source}: set SPARSEQP_SOURCE_DIR to the SparseQP checkout")
    swift = os.environ.get("SWIFT") or shutil.which("swift")
    if swift is None:
        raise RuntimeError("the Swift toolchain is needed to build sparseqp (swift not on PATH; set SWIFT)")
    subprocess.run([swift, "build", "-c", "release", "--product", "sparseqp_c"], cwd=source, check=True)
    out = subprocess.run([swift, "build", "-c", "release", "--show-bin-path"], cwd=source, check=True,
                         capture_output=True, text=True).stdout.strip()
    path = Path(out) / LIBRARY
    if not path.is_file():
        raise RuntimeError(f"swift build did not produce {path}")
    return path


class BuildWithSwift(build_py):
    def run(self):
        super().run()
        library = build_library()
        target = Path(self.build_lib) / "sparseqp" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(library, target / LIBRARY)
        header = HERE.parent / "include" / "sparseqp.h"
        if header.is_file():
            shutil.copy2(header, target / "sparseqp.h")


class BinaryDistribution(Distribution):
    """The wheel holds a native library: platform-specific, not pure Python."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithSwift}, distclass=BinaryDistribution)
