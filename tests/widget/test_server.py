"""The Jupyter server extension that turns off Nagle's algorithm on kernel websockets."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

import digitwidget
from digitwidget.widget import server as _server

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: other tests may leave a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class FakeHandler:
    def __init__(self, fail: bool = False) -> None:
        self.nodelay: bool | None = None
        self.fail = fail

    def set_nodelay(self, value: bool) -> None:
        if self.fail:
            raise RuntimeError("stream already closed")
        self.nodelay = value


class AsyncConnection:
    """Shaped like Jupyter Server's connection classes: a handler and ``connect()``."""

    def __init__(self, websocket_handler: FakeHandler) -> None:
        self.websocket_handler = websocket_handler
        self.nodelay_when_connecting: bool | None = None

    async def connect(self) -> str:
        self.nodelay_when_connecting = self.websocket_handler.nodelay
        return "connected"


class SyncConnection(AsyncConnection):
    """Like ZMQChannelsWebsocketConnection, whose ``connect()`` may return None."""

    def connect(self) -> None:  # type: ignore[override]
        self.nodelay_when_connecting = self.websocket_handler.nodelay


def fake_server(connection_class: type | None) -> SimpleNamespace:
    settings = {} if connection_class is None else {_server.SETTING: connection_class}
    return SimpleNamespace(
        web_app=SimpleNamespace(settings=settings), log=logging.getLogger("test-server")
    )


def test_the_package_declares_its_server_extension() -> None:
    assert digitwidget._jupyter_server_extension_points() == [
        {"module": "digitwidget.widget.server"}
    ]
    config = ROOT / "jupyter-config" / "jupyter_server_config.d" / "digitwidget.json"
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"digitwidget": True}}
    }


def test_nodelay_is_on_before_the_connection_connects() -> None:
    server = fake_server(AsyncConnection)
    _server._load_jupyter_server_extension(server)
    connection_class = server.web_app.settings[_server.SETTING]
    assert issubclass(connection_class, AsyncConnection)
    assert connection_class.__name__ == "AsyncConnection"

    connection = connection_class(FakeHandler())
    assert run(connection.connect()) == "connected"
    assert connection.nodelay_when_connecting is True


def test_a_connect_that_returns_none_is_passed_through() -> None:
    connection = _server.without_nagle(SyncConnection)(FakeHandler())
    assert connection.connect() is None
    assert connection.nodelay_when_connecting is True


def test_a_handler_that_refuses_nodelay_still_connects_and_warns_once(caplog) -> None:
    log = logging.getLogger("test-server")
    connection_class = _server.without_nagle(AsyncConnection, log)
    with caplog.at_level(logging.WARNING, logger="test-server"):
        for _ in range(3):
            connection = connection_class(FakeHandler(fail=True))
            assert run(connection.connect()) == "connected"
    assert caplog.text.count("could not set TCP_NODELAY") == 1
    assert "stream already closed" in caplog.text


def test_loading_twice_wraps_once() -> None:
    server = fake_server(AsyncConnection)
    _server._load_jupyter_server_extension(server)
    first = server.web_app.settings[_server.SETTING]
    _server._load_jupyter_server_extension(server)
    assert server.web_app.settings[_server.SETTING] is first
    assert first.__mro__[1] is AsyncConnection


def test_a_server_without_the_setting_is_left_alone(caplog) -> None:
    server = fake_server(None)
    with caplog.at_level(logging.INFO, logger="test-server"):
        _server._load_jupyter_server_extension(server)
    assert _server.SETTING not in server.web_app.settings
    assert "no kernel websocket connection class" in caplog.text


def test_jupyter_servers_own_connection_class_has_what_the_wrapper_uses() -> None:
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    assert "websocket_handler" in ZMQChannelsWebsocketConnection.class_trait_names()
    assert callable(ZMQChannelsWebsocketConnection.connect)
    assert issubclass(
        _server.without_nagle(ZMQChannelsWebsocketConnection), ZMQChannelsWebsocketConnection
    )


def test_a_real_tornado_websocket_gets_tcp_nodelay() -> None:
    """Through a real socket: the server side of the websocket has TCP_NODELAY set."""

    class Connection:
        def __init__(self, websocket_handler: object) -> None:
            self.websocket_handler = websocket_handler

        def connect(self) -> None:
            return None

    seen: dict[str, int] = {}
    connection_class = _server.without_nagle(Connection)

    class Handler(tornado.websocket.WebSocketHandler):
        def _nodelay(self) -> int:
            sock = self.ws_connection.stream.socket
            return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

        def open(self) -> None:
            seen["before"] = self._nodelay()
            connection_class(self).connect()
            seen["after"] = self._nodelay()
            self.write_message("ready")

    async def main() -> None:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]
        server = tornado.httpserver.HTTPServer(tornado.web.Application([("/ws", Handler)]))
        server.add_sockets(sockets)
        try:
            client = await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{port}/ws")
            assert await client.read_message() == "ready"
            client.close()
        finally:
            server.stop()

    run(main())
    assert seen == {"before": 0, "after": 1}
