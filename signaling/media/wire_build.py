"""Build the forwarding path's C module (``_wire.c``) in place: ``make setup`` runs it.

A plain compiler call rather than setuptools: one source file, no
dependencies beyond Python's headers, and nothing to install. Without a C
compiler the server still works, on the slower Python send path (it logs a
warning when it starts); a compiler that is present but fails stops the setup.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_wire.c"


def target() -> Path:
    return HERE / f"_wire{sysconfig.get_config_var('EXT_SUFFIX')}"


def command(compiler: str) -> list[str]:
    return [
        *shlex.split(compiler),
        "-O2", "-fPIC", "-shared", "-Wall",
        f"-I{sysconfig.get_paths()['include']}",
        str(SOURCE), "-o", str(target()),
    ]  # fmt: skip


def main() -> int:
    out = target()
    if out.exists() and out.stat().st_mtime >= SOURCE.stat().st_mtime:
        return 0
    compiler = sysconfig.get_config_var("CC") or "cc"
    if shutil.which(shlex.split(compiler)[0]) is None:
        print(f"warning: no C compiler ({compiler}): media forwarding uses the slower Python send path", file=sys.stderr)
        return 0
    subprocess.run(command(compiler), check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
