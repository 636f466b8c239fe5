"""A total deadline for each HTTP request made through requests.

requests and urllib3 time out each connection attempt and each read, never
a whole request: a server that answers one byte every few seconds holds the
caller as long as it likes (requests/requests#4276). Inside
`request_deadline(seconds)`, every request sent through a `DeadlineAdapter`
ends within `seconds`, connection, headers and body included: past that, a
watchdog shuts its socket down and the request raises `DeadlineExceeded`.

`DeadlineAdapter` is mounted on the Graph session, and made exchangelib's
adapter by `deadline_adapter_class` (exchangelib's documented
`BaseProtocol.HTTP_ADAPTER_CLS` extension point).
"""

import contextvars
import socket
import threading
from contextlib import contextmanager, suppress

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_limit = contextvars.ContextVar("mail_outbound_transport_http_limit", default=None)
_watch = contextvars.ContextVar("mail_outbound_transport_http_watch", default=None)


class DeadlineExceeded(requests.Timeout):
    """The server did not send its whole answer before the deadline."""


@contextmanager
def request_deadline(seconds):
    """Every request sent through a `DeadlineAdapter` in this block ends
    within `seconds` (float, total)."""
    token = _limit.set(seconds)
    try:
        yield
    finally:
        _limit.reset(token)


class _Watch:
    """The connections one request uses, shut down when its time is up."""

    def __init__(self):
        self.connections = []
        self.expired = False
        self.finished = False
        self.lock = threading.Lock()

    def cut(self):
        with self.lock:
            if self.finished:
                return
            self.expired = True
            for connection in self.connections:
                if connection.sock is not None:
                    with suppress(OSError):  # the plain socket's, also under TLS
                        socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)

    def finish(self):
        with self.lock:
            self.finished = True


class _WatchedMixin:
    def request(self, *args, **kwargs):
        watch = _watch.get()
        if watch is not None:
            watch.connections.append(self)
        return super().request(*args, **kwargs)


class _HTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _HTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOL_CLASSES = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}


class DeadlineAdapterMixin:
    """An HTTPAdapter whose requests obey `request_deadline`."""

    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES
        return result

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager

    def send(self, request, stream=False, timeout=None, **kwargs):
        limit = _limit.get()
        if limit is None:
            return super().send(request, stream=stream, timeout=timeout, **kwargs)
        watch = _Watch()
        timer = threading.Timer(limit, watch.cut)
        timer.daemon = True
        token = _watch.set(watch)
        timer.start()
        try:
            response = super().send(
                request, stream=stream, timeout=_within(timeout, limit), **kwargs
            )
            if not stream:
                _body = response.content  # read the body too, within the limit
            return response
        except Exception as error:
            if watch.expired:
                raise DeadlineExceeded(
                    f"no complete answer within {limit:g} s", request=request
                ) from error
            raise
        finally:
            watch.finish()
            timer.cancel()
            _watch.reset(token)


class DeadlineAdapter(DeadlineAdapterMixin, HTTPAdapter):
    pass


def deadline_adapter_class(adapter_class):
    """`adapter_class` (an HTTPAdapter class) obeying `request_deadline`."""
    if issubclass(adapter_class, DeadlineAdapterMixin):
        return adapter_class
    return type(
        f"Deadline{adapter_class.__name__}", (DeadlineAdapterMixin, adapter_class), {}
    )


def _within(timeout, limit):
    """requests' `timeout` (None, seconds, or (connect, read)), each part
    at most `limit`."""
    if isinstance(timeout, tuple):
        return tuple(limit if part is None else min(part, limit) for part in timeout)
    return limit if timeout is None else min(timeout, limit)
