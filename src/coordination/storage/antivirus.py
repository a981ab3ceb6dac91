"""Antivirus scanning through ClamAV's daemon (clamd), speaking its INSTREAM protocol directly.

Why our own client: the protocol is a few lines (``zINSTREAM\\0``, then chunks prefixed by a 4-byte
big-endian length, a zero-length chunk to finish, one ``\\0``-terminated reply), and the available Python
clients are either synchronous or unmaintained. anyio streams keep it on the event loop.

Fail closed: an unreachable daemon raises ``ScannerUnavailable`` and a daemon error (size limit, database
problem) raises ``ScanFailed``; neither ever yields a "clean" verdict. The caller keeps the document
unavailable until a scan says ``CLEAN``.

``DisabledScanner`` exists for development without ClamAV: it answers ``NOT_SCANNED``, never ``CLEAN``, so
the dossier decides what an unscanned document may do (production settings require a clamd address).
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import anyio
from anyio.abc import ByteStream

from coordination.metrics.registry import record_scan

#: Largest piece sent in one INSTREAM frame.
FRAME_SIZE = 256 * 1024


class ScanStatus(StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    NOT_SCANNED = "not_scanned"


@dataclass(frozen=True, slots=True)
class ScanResult:
    status: ScanStatus
    signature: str | None = None
    """Name of the signature that matched (``INFECTED`` only), e.g. ``Eicar-Test-Signature``."""

    @property
    def is_clean(self) -> bool:
        return self.status is ScanStatus.CLEAN


class ScannerError(Exception):
    """Base of antivirus errors; French message. Never means "clean"."""


class ScannerUnavailable(ScannerError):
    """The daemon cannot be reached (or stopped answering): the document stays unavailable."""


class ScanFailed(ScannerError):
    """The daemon answered with an error (e.g. stream size limit exceeded)."""


class Scanner(ABC):
    @abstractmethod
    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult: ...

    @abstractmethod
    async def check(self) -> None:
        """Readiness: raises ``ScannerUnavailable`` when scanning would fail."""


class DisabledScanner(Scanner):
    """No antivirus configured (development only): every document is ``NOT_SCANNED``."""

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        record_scan(ScanStatus.NOT_SCANNED.value)
        return ScanResult(ScanStatus.NOT_SCANNED)

    async def check(self) -> None:
        return None


class ClamdScanner(Scanner):
    def __init__(
        self,
        *,
        socket_path: str | None = None,
        host: str | None = None,
        port: int = 3310,
        timeout: float = 60.0,
    ) -> None:
        if not socket_path and not host:
            raise ValueError("either socket_path or host is required")
        self.socket_path = socket_path
        self.host = host
        self.port = port
        self.timeout = timeout
        self.address = socket_path or f"{host}:{port}"

    @classmethod
    def from_address(cls, address: str, **kwargs) -> ClamdScanner:
        """``tcp://host:port`` or a unix socket path (optionally ``unix:///path``)."""
        if address.startswith("tcp://"):
            parts = urlsplit(address)
            return cls(host=parts.hostname, port=parts.port or 3310, **kwargs)
        if address.startswith("unix://"):
            address = address[len("unix://") :]
        return cls(socket_path=address, **kwargs)

    def _unavailable(self, exc: BaseException | str) -> ScannerUnavailable:
        return ScannerUnavailable(f"L'antivirus ClamAV (clamd, « {self.address} ») est injoignable : {exc}.")

    async def _connect(self) -> ByteStream:
        try:
            with anyio.fail_after(self.timeout):
                if self.socket_path:
                    return await anyio.connect_unix(self.socket_path)
                return await anyio.connect_tcp(self.host, self.port)  # type: ignore[arg-type]
        except (OSError, TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    async def _reply(self, stream: ByteStream) -> str:
        data = b""
        with anyio.fail_after(self.timeout):
            while not data.endswith(b"\0"):
                try:
                    data += await stream.receive()
                except anyio.EndOfStream:
                    break
        if not data:
            raise self._unavailable("connexion fermée sans réponse")
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()

    async def _command(self, command: str) -> str:
        stream = await self._connect()
        try:
            await stream.send(f"z{command}\0".encode())
            return await self._reply(stream)
        except (OSError, TimeoutError, anyio.BrokenResourceError) as exc:
            raise self._unavailable(exc) from exc
        finally:
            await stream.aclose()

    async def check(self) -> None:
        reply = await self._command("PING")
        if reply != "PONG":
            raise self._unavailable(f"réponse inattendue à PING : {reply!r}")

    async def version(self) -> str:
        return await self._command("VERSION")

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        """Stream ``chunks`` to clamd; the verdict (or why there is none) is counted in ``/metrics``."""
        try:
            result = await self._scan(chunks)
        except ScannerUnavailable:
            record_scan("unavailable")
            raise
        except ScanFailed:
            record_scan("failed")
            raise
        record_scan(result.status.value)
        return result

    async def _scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        stream = await self._connect()
        try:
            try:
                with anyio.fail_after(self.timeout):
                    await stream.send(b"zINSTREAM\0")
                async for chunk in chunks:
                    for start in range(0, len(chunk), FRAME_SIZE):
                        frame = chunk[start : start + FRAME_SIZE]
                        with anyio.fail_after(self.timeout):
                            await stream.send(struct.pack(">I", len(frame)) + frame)
                with anyio.fail_after(self.timeout):
                    await stream.send(struct.pack(">I", 0))
            except (OSError, anyio.BrokenResourceError):
                # clamd closes the connection when the stream exceeds StreamMaxLength; its reply says so.
                pass
            reply = await self._reply(stream)
        except (OSError, TimeoutError, anyio.BrokenResourceError) as exc:
            raise self._unavailable(exc) from exc
        finally:
            await stream.aclose()
        return self._verdict(reply)

    def _verdict(self, reply: str) -> ScanResult:
        body = reply.removeprefix("stream:").strip()
        if body == "OK":
            return ScanResult(ScanStatus.CLEAN)
        if body.endswith(" FOUND"):
            return ScanResult(ScanStatus.INFECTED, signature=body.removesuffix(" FOUND").strip())
        if "size limit exceeded" in body:
            raise ScanFailed("Le document dépasse la taille que l'antivirus accepte d'analyser.")
        raise ScanFailed(f"L'antivirus ClamAV a répondu par une erreur : {body}")
