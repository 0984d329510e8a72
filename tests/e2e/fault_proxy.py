"""A TCP proxy the fault tests put between two of Sathi's processes (or between the backend and
PostgreSQL), to stop a turn at a chosen point: hold a request, or its response, whose bytes carry a
marker until the test has killed what it wants to kill; or cut the link altogether."""
import asyncio
import threading
from dataclasses import dataclass, field


@dataclass
class _Hold:
    marker: bytes
    on_response: bool  # hold what comes back for the marked request, not the request itself
    reached: threading.Event = field(default_factory=threading.Event)
    released: asyncio.Event | None = None


class FaultProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host, self.upstream_port = host, upstream_port
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fault-proxy", daemon=True)
        self._holds: list[_Hold] = []
        self._cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, self.host, 0), self.loop).result()
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()
        for hold in list(self._holds):
            self.release(hold)
        self.loop.call_soon_threadsafe(self._server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def hold(self, marker: bytes, *, on_response: bool = False) -> _Hold:
        """The next request carrying `marker` (or, with on_response, its answer) waits until released."""
        hold = _Hold(marker, on_response)

        def arm() -> None:
            hold.released = asyncio.Event()
            self._holds.append(hold)

        self.loop.call_soon_threadsafe(arm)
        return hold

    def release(self, hold: _Hold) -> None:
        def go() -> None:
            if hold in self._holds:
                self._holds.remove(hold)
            if hold.released:
                hold.released.set()

        self.loop.call_soon_threadsafe(go)

    def cut(self) -> None:
        """Every open connection drops and new ones are refused, as when a network link fails."""
        def go() -> None:
            self._cut = True
            for writer in list(self._writers):
                writer.transport.abort()

        self.loop.call_soon_threadsafe(go)

    def restore(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "_cut", False)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._cut:
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, upstream_writer}
        response_holds: list[_Hold] = []
        try:
            await asyncio.gather(
                self._pipe(client_reader, upstream_writer, requests=True, response_holds=response_holds),
                self._pipe(upstream_reader, client_writer, requests=False, response_holds=response_holds),
            )
        finally:
            self._writers -= {client_writer, upstream_writer}
            for writer in (client_writer, upstream_writer):
                writer.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, requests: bool, response_holds: list[_Hold]) -> None:
        try:
            while chunk := await reader.read(65536):
                if requests:
                    for hold in [h for h in self._holds if h.marker in chunk]:
                        self._holds.remove(hold)
                        if hold.on_response:
                            response_holds.append(hold)
                        else:
                            hold.reached.set()
                            await hold.released.wait()
                elif response_holds:
                    hold = response_holds.pop(0)
                    hold.reached.set()
                    await hold.released.wait()
                if writer.transport.is_closing():
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side gone: the other goes too, as a dead peer's connection would.
            writer.transport.abort()
