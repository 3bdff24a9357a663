"""A Jupyter server extension: kernel messages reach the browser without Nagle's delay.

Jupyter Server's kernel websocket (a Tornado ``WebSocketHandler``) leaves Nagle's
algorithm on. A kernel answers a widget update with a few small messages in a row
(status busy, the new state, status idle); Nagle holds each small one back until the
browser acknowledges the previous one, and browsers delay that acknowledgement by up to
40 ms. On a local server this added about 40 ms to every DrawPad result. Tornado's own
documentation recommends ``set_nodelay(True)`` for such interactive traffic.

The extension is enabled when the package is installed (``jupyter-config/``); turn it off
with ``jupyter server extension disable digitwidget``. It changes nothing but that socket
option, on kernel websockets only.
"""

from __future__ import annotations

import logging
from typing import Any

SETTING = "kernel_websocket_connection_class"


def without_nagle(connection_class: type) -> type:
    """A subclass of a kernel websocket connection class that turns on TCP_NODELAY.

    Args:
        connection_class: The server's class, e.g. Jupyter Server's
            ``ZMQChannelsWebsocketConnection``; it must have ``websocket_handler`` and an
            async ``connect()``.

    Returns:
        The subclass (or ``connection_class`` itself when it already is one).
    """
    if getattr(connection_class, "_digitwidget_nodelay", False):
        return connection_class

    def connect(self: Any) -> Any:
        handler = getattr(self, "websocket_handler", None)
        try:
            handler.set_nodelay(True)
        except Exception as error:  # an unusual handler must never break the connection
            logging.getLogger("digitwidget").debug("set_nodelay failed: %s", error)
        return connection_class.connect(self)

    namespace = {"connect": connect, "_digitwidget_nodelay": True, "__module__": __name__}
    return type(connection_class.__name__, (connection_class,), namespace)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    connection_class = settings.get(SETTING)
    if connection_class is None or not callable(getattr(connection_class, "connect", None)):
        serverapp.log.info("digitwidget: no kernel websocket connection class to adjust.")
        return
    settings[SETTING] = without_nagle(connection_class)
    serverapp.log.info("digitwidget: kernel websockets send without Nagle's delay (TCP_NODELAY).")
