"""An upstream HTTP/1.1 server for the tests of brisk's outbound client (bk_fetch).

Runs an asyncio server on its own thread in the test process, so a test can count what the
upstream saw: TCP connections, requests, and connections the client closed while waiting.
Keep-alive like a real server (a connection serves requests until the client closes it).

Routes:
  GET  /hello[?close=1]   200 "hello from upstream", X-Upstream: hello (close=1: Connection: close)
  ANY  /echo              200 with the request body; X-Method and X-Seen-Content-Type say what came
  GET  /wait?ms=N         200 "waited" after N ms (default 500)
  GET  /status?code=N     status N
  GET  /big?n=N[&chunked=1]  N bytes of "x", with Content-Length or chunked
  GET  /hang              never answers; counts the connection in `hung`, and in `hung_closed`
                          once the client closed it
  GET  /garbage           a reply that is not HTTP, then close
  GET  /truncated         announces 100 bytes, sends 10, closes
  GET  /badheader?kind=K  a header line brisk refuses: fold (obs-fold), space (before the colon),
                          nul (in the value)
"""

import asyncio
import threading
import time
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"


class Upstream:
    def __init__(self):
        self.port = None
        self.connections = 0  # TCP connections accepted
        self.requests = 0
        self.hung = 0
        self.hung_closed = 0
        self.seen = []  # (method, path, headers dict with lower-case names, body)
        self._loop = None
        self._server = None
        self._thread = None
        self._writers = set()

    # ---- life cycle ----

    def start(self):
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, HOST, 0, backlog=1024)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="upstream", daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("upstream did not start")
        return self

    def stop(self):
        async def shutdown():
            self._server.close()
            for w in list(self._writers):
                w.close()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def wait_for(self, predicate, timeout=5.0):
        """Polls predicate(self) until true or `timeout` s pass; returns its last value."""
        deadline = time.monotonic() + timeout
        while not predicate(self) and time.monotonic() < deadline:
            time.sleep(0.02)
        return predicate(self)

    # ---- serving ----

    async def _serve(self, reader, writer):
        self.connections += 1
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_request(self, reader, writer):
        """Serves one request; False when the connection is to end."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # the client closed between requests
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests += 1
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.seen.append((method, url.path, headers, body))
        return await self._route(method, url.path, query, headers, body, reader, writer)

    async def _route(self, method, path, query, headers, body, reader, writer):
        if path == "/hello":
            close = query.get("close") == "1"
            extra = [("X-Upstream", "hello"), ("Content-Type", "text/plain")]
            await self._respond(writer, 200, b"hello from upstream", extra, close=close)
            return not close
        if path == "/echo":
            extra = [("X-Method", method), ("X-Seen-Content-Type", headers.get("content-type", ""))]
            await self._respond(writer, 200, body, extra)
            return True
        if path == "/wait":
            await asyncio.sleep(int(query.get("ms", "500")) / 1000)
            await self._respond(writer, 200, b"waited")
            return True
        if path == "/status":
            code = int(query.get("code", "200"))
            await self._respond(writer, code, f"status {code}".encode())
            return True
        if path == "/big":
            n = int(query.get("n", "0"))
            await self._respond(writer, 200, b"x" * n, chunked=query.get("chunked") == "1")
            return True
        if path == "/hang":
            self.hung += 1
            while await reader.read(65536):  # until the client closes
                pass
            self.hung_closed += 1
            return False
        if path == "/garbage":
            writer.write(b"this is not http\r\n\r\n")
            await writer.drain()
            return False
        if path == "/truncated":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            await writer.drain()
            return False
        if path == "/badheader":
            line = {"fold": b"X-A: a\r\n b", "space": b"X-A : a", "nul": b"X-A: a\x00b"}[query["kind"]]
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + line + b"\r\n\r\nok")
            await writer.drain()
            return True
        await self._respond(writer, 404, b"no such route")
        return True

    async def _respond(self, writer, status, body, headers=(), close=False, chunked=False):
        out = [f"HTTP/1.1 {status} X".encode()]
        for k, v in headers:
            out.append(f"{k}: {v}".encode())
        if chunked:
            out.append(b"Transfer-Encoding: chunked")
        else:
            out.append(f"Content-Length: {len(body)}".encode())
        if close:
            out.append(b"Connection: close")
        writer.write(b"\r\n".join(out) + b"\r\n\r\n")
        if chunked:
            for i in range(0, len(body), 16384):
                part = body[i : i + 16384]
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(body)
        await writer.drain()
