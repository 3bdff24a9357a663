"""A Jupyter server extension: kernel messages reach the browser without Nagle's delay.

Jupyter Server's kernel websocket (a Tornado ``WebSocketHandler``) leaves Nagle's
algorithm on. A kernel answers a widget update with a few small messages in a row
(status busy, the new state, status idle); Nagle holds each small one back until the
browser acknowledges the previous one, and browsers delay that acknowledgement by up to
40 ms. On a local server this added about 40 ms to every DrawPad result. Tornado's own
documentation recommends ``set_nodelay(True)`` for such interactive traffic.

The extension is enabled when the package is installed (``jupyter-config/``) in the
environment that runs the server; turn it off with
``jupyter server extension disable digitwidget``. It changes nothing but that socket
option, on kernel websockets only.
"""

from __future__ import annotations

import logging
from typing import Any

SETTING = "kernel_websocket_connection_class"


def without_nagle(connection_class: type[Any], log: logging.Logger | None = None) -> type[Any]:
    """A subclass of a kernel websocket connection class that turns on TCP_NODELAY.

    Args:
        connection_class: The server's class, e.g. Jupyter Server's
            ``ZMQChannelsWebsocketConnection``: it has a ``websocket_handler`` (a Tornado
            ``WebSocketHandler``) and a ``connect()`` the handler calls once the websocket
            is open. ``connect()``'s result (a future, a coroutine or None) is passed on.
        log: Where to warn, once, if a handler refuses the option.

    Returns:
        The subclass (or ``connection_class`` itself when it already is one). It keeps the
        base class's name, so the server's configuration and logs read the same.
    """
    if getattr(connection_class, "_digitwidget_nodelay", False):
        return connection_class
    log = log or logging.getLogger("digitwidget")
    warned = False

    def connect(self: Any) -> Any:
        nonlocal warned
        try:
            self.websocket_handler.set_nodelay(True)
        except Exception as error:  # never let a socket option break the connection
            if not warned:
                warned = True
                log.warning(
                    "digitwidget: could not set TCP_NODELAY on a kernel websocket: %s", error
                )
        return connection_class.connect(self)

    namespace = {"connect": connect, "_digitwidget_nodelay": True, "__module__": __name__}
    return type(connection_class.__name__, (connection_class,), namespace)


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    connection_class = settings.get(SETTING)
    if connection_class is None or not callable(getattr(connection_class, "connect", None)):
        serverapp.log.info("digitwidget: no kernel websocket connection class to adjust.")
        return
    settings[SETTING] = without_nagle(connection_class, serverapp.log)
    serverapp.log.info("digitwidget: kernel websockets send without Nagle's delay (TCP_NODELAY).")
