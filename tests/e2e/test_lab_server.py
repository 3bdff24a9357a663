"""The notebook server the tests start loads digitwidget's server extension."""

from __future__ import annotations

import pytest

from testkit.servers import ARTIFACTS, Server

pytestmark = pytest.mark.e2e


def test_the_server_loads_the_extension_that_turns_off_nagle(lab_server: Server) -> None:
    log = (ARTIFACTS / "jupyter-lab.log").read_text()
    assert "digitwidget: kernel websockets send without Nagle's delay (TCP_NODELAY)." in log
    assert "digitwidget | extension was successfully loaded." in log
