"""``make setup`` builds the forwarding path's C module wherever there is a C compiler, so
the C tests (test_wire.py, the C half of test_sendpath.py) can only skip where there is none."""

from __future__ import annotations

import shlex
import shutil
import sysconfig

from signaling.media import wire
from signaling.media.wire_build import target


def test_the_c_module_is_built_where_a_compiler_is() -> None:
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")[0]
    if shutil.which(compiler) is None:
        assert wire.send_frame is None  # the Python send path, with a warning at start
        return
    assert target().exists(), "make setup builds signaling/media/_wire*.so"
    assert wire.send_frame is not None and wire.fan_out is not None and wire.Stream is not None
