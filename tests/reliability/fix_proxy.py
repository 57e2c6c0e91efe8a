"""An in-process TCP proxy for network fault injection (modelled on psycopg's ``fix_proxy``).

The proxy runs an asyncio loop in a daemon thread and forwards ``127.0.0.1:<port>`` to a real
server. Faults:

* :meth:`Proxy.stop` – close the listening socket and every forwarded connection: new connects
  are refused;
* :meth:`Proxy.freeze` / :meth:`Proxy.thaw` – keep the sockets open but stop forwarding in both
  directions (a dead network path; nothing reaches either side);
* :meth:`Proxy.deaf_listen` – a listening socket that the kernel completes handshakes for but
  that never answers (the server greeting never comes);
* :meth:`Proxy.drop_after` – after forwarding a client message containing ``pattern`` (e.g.
  ``b"COMMIT"``), close both sides at once, before the server's answer can come back.

The proxy never interprets the protocol beyond that byte search, so it works for the PostgreSQL
and MySQL wire protocols alike.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any


class Proxy:
    """Forward ``127.0.0.1:<self.port>`` to ``(server_host, server_port)``."""

    def __init__(self, server_host: str, server_port: int) -> None:
        self.server_host = server_host
        self.server_port = server_port
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="rel-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._deaf: socket.socket | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._frozen = asyncio.Event()  # set = forwarding paused
        self._pattern: bytes | None = None
        #: Number of connections dropped by :meth:`drop_after`.
        self.drops = 0
        self._thread.start()

    # -- control (called from the test thread) ------------------------------------------------

    def _call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        """Listen and forward."""
        self._call(self._start())

    def stop(self) -> None:
        """Stop listening and cut every forwarded connection (connects are then refused)."""
        self._call(self._stop())

    def freeze(self) -> None:
        """Pause forwarding; sockets stay open."""
        self.loop.call_soon_threadsafe(self._frozen.set)

    def thaw(self) -> None:
        """Resume forwarding."""
        self.loop.call_soon_threadsafe(self._frozen.clear)

    def deaf_listen(self) -> None:
        """Replace the proxy by a socket that listens but never accepts or answers."""
        self.stop()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self._deaf = s

    def drop_after(self, pattern: bytes | None) -> None:
        """Close both sides right after forwarding a client chunk containing ``pattern``."""
        self._pattern = pattern

    def close(self) -> None:
        """Stop everything and end the loop thread."""
        try:
            self.stop()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.loop.close()

    # -- loop side ------------------------------------------------------------------------------

    async def _start(self) -> None:
        if self._deaf is not None:
            self._deaf.close()
            self._deaf = None
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                      reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._deaf is not None:
            self._deaf.close()
            self._deaf = None
        for w in list(self._conns):
            _abort(w)
        self._conns.clear()

    async def _handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        try:
            s_reader, s_writer = await asyncio.open_connection(self.server_host, self.server_port)
        except OSError:
            _abort(c_writer)
            return
        pair = (c_writer, s_writer)
        self._conns.update(pair)
        await asyncio.gather(
            self._pump(c_reader, s_writer, pair, upstream=True),
            self._pump(s_reader, c_writer, pair, upstream=False),
            return_exceptions=True,
        )
        for w in pair:
            self._conns.discard(w)
            _abort(w)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter], upstream: bool) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            while self._frozen.is_set():
                await asyncio.sleep(0.02)
            writer.write(data)
            await writer.drain()
            pattern = self._pattern
            if upstream and pattern is not None and pattern in data:
                self.drops += 1
                # The server has the message; the client never hears back.
                pair[0].transport.abort()
                await asyncio.sleep(0)
                pair[1].close()
                break
        for w in pair:
            _abort(w)


def _abort(w: asyncio.StreamWriter) -> None:
    try:
        w.transport.abort()
    except Exception:  # already closed
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
