"""The Jupyter server extension that turns off Nagle's algorithm on kernel websockets."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import digitwidget
from digitwidget import _server

ROOT = Path(__file__).resolve().parents[1]


class FakeHandler:
    def __init__(self, fail: bool = False) -> None:
        self.nodelay: bool | None = None
        self.fail = fail

    def set_nodelay(self, value: bool) -> None:
        if self.fail:
            raise RuntimeError("stream already closed")
        self.nodelay = value


class FakeConnection:
    """Shaped like Jupyter Server's ZMQChannelsWebsocketConnection."""

    def __init__(self, websocket_handler: FakeHandler) -> None:
        self.websocket_handler = websocket_handler
        self.connected = False

    async def connect(self) -> str:
        self.connected = True
        return "connected"


def fake_server(connection_class: type | None) -> SimpleNamespace:
    settings = {} if connection_class is None else {_server.SETTING: connection_class}
    return SimpleNamespace(
        web_app=SimpleNamespace(settings=settings), log=logging.getLogger("test-server")
    )


def test_the_package_declares_its_server_extension() -> None:
    assert digitwidget._jupyter_server_extension_points() == [{"module": "digitwidget._server"}]
    config = ROOT / "jupyter-config" / "jupyter_server_config.d" / "digitwidget.json"
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"digitwidget": True}}
    }


def test_connections_turn_on_nodelay_before_connecting() -> None:
    server = fake_server(FakeConnection)
    _server._load_jupyter_server_extension(server)
    connection_class = server.web_app.settings[_server.SETTING]
    assert issubclass(connection_class, FakeConnection)
    assert connection_class.__name__ == "FakeConnection"

    handler = FakeHandler()
    connection = connection_class(handler)
    assert asyncio.run(connection.connect()) == "connected"
    assert handler.nodelay is True
    assert connection.connected


def test_a_handler_that_refuses_nodelay_still_connects() -> None:
    connection = _server.without_nagle(FakeConnection)(FakeHandler(fail=True))
    assert asyncio.run(connection.connect()) == "connected"
    assert connection.connected


def test_loading_twice_wraps_once() -> None:
    server = fake_server(FakeConnection)
    _server._load_jupyter_server_extension(server)
    first = server.web_app.settings[_server.SETTING]
    _server._load_jupyter_server_extension(server)
    assert server.web_app.settings[_server.SETTING] is first
    assert first.__mro__[1] is FakeConnection


def test_a_server_without_the_setting_is_left_alone(caplog) -> None:
    server = fake_server(None)
    with caplog.at_level(logging.INFO, logger="test-server"):
        _server._load_jupyter_server_extension(server)
    assert _server.SETTING not in server.web_app.settings
    assert "no kernel websocket connection class" in caplog.text


def test_jupyter_servers_own_connection_class_is_wrapped() -> None:
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    # The wrapper relies on these two names of Jupyter Server's class.
    assert "websocket_handler" in ZMQChannelsWebsocketConnection.class_trait_names()
    assert callable(ZMQChannelsWebsocketConnection.connect)
    wrapped = _server.without_nagle(ZMQChannelsWebsocketConnection)
    assert issubclass(wrapped, ZMQChannelsWebsocketConnection)
    assert wrapped.connect is not ZMQChannelsWebsocketConnection.connect
