"""The DocumentStore contract shared by the filesystem and S3 implementations.

Why a single contract: the dossier code stores and reads documents without knowing where they live, and the
same contract tests run against both implementations (tests/integration/storage).

Guarantees every implementation keeps:

- ``put`` streams: it never holds the whole document in memory; it computes the SHA-256 and the size while
  the bytes pass, and refuses a document over ``max_size`` with ``TooLarge`` leaving nothing stored.
- Keys are immutable: ``put`` on an existing key raises ``AlreadyExists`` (a new version is a new key).
- ``open`` checks the object exists before returning, so an HTTP handler can answer 404 before it starts
  streaming a response.
- Every error is a ``StorageError`` whose message is French (a person may read it in a problem detail or a
  log) and names the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

#: Write granularity (the filesystem store's blocks): large enough to amortise a thread hop, small enough to
#: keep memory bounded.
CHUNK_SIZE = 1024 * 1024

#: Read granularity of ``open`` (downloads). Every block costs a worker-thread hop and a socket send, each
#: with its wake-ups (the worker, the event loop, the receiving process); on the 200 MB download benchmark
#: (bench/dossier, 2 cores, where the download is CPU-bound) the app spent about 30 % less CPU per download
#: at 4 MiB than at 1 MiB (0.12 s instead of 0.17 s) and streamed faster. Measured and not kept: 4 × 1 MiB
#: per hop (still 1 MiB sends: little saved); 8 MiB (slower again, probably because a block no longer fits
#: the socket's send buffer and the rest is copied into the transport's); reading the next block while one
#: is sent (no gain: no idle core to overlap on). A download holds about two blocks at a time (one being
#: sent, the next being read), whatever the document's size.
READ_CHUNK_SIZE = 4 * 1024 * 1024

#: Longest lifetime accepted for a pre-signed URL (the minio client's own default is 7 days).
MAX_PRESIGNED_EXPIRY = timedelta(hours=1)

# Segments start with an alphanumeric character: this rules out "", "." and ".." (path traversal) and
# keeps names starting with "." free for the filesystem store's temporary files.
_KEY_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_KEY_RE = re.compile(rf"{_KEY_SEGMENT}(/{_KEY_SEGMENT}){{0,15}}")


class StorageError(Exception):
    """Base of every document-store error; ``str(error)`` is a French message."""


class TooLarge(StorageError):
    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        super().__init__(f"Le document dépasse la taille maximale autorisée ({_human_size(max_size)}).")


class AlreadyExists(StorageError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"Un objet existe déjà sous la clé « {key} » ; les documents ne sont jamais remplacés."
        )


class NotFoundInStore(StorageError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Aucun objet sous la clé « {key} » dans le stockage des documents.")


class StoreUnavailable(StorageError):
    """The store cannot be reached or used (readiness check, network failure, permissions)."""


class StoreFull(StorageError):
    """No space left where documents are written; the partial object has been removed."""


class InvalidKey(StorageError, ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Clé de document invalide : « {key} ».")


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What ``put`` measured while streaming: the document row records size and sha256 from here."""

    key: str
    size: int
    sha256: str
    etag: str | None = None
    version_id: str | None = None


class ObjectStream(AsyncIterator[bytes]):
    """A readable object: iterate it for chunks of at most ``READ_CHUNK_SIZE``; ``size`` is known before the
    first byte (Content-Length).

    The file or connection is released at the end of the iteration, and as soon as a read fails or is
    cancelled. A reader that stops between two chunks, or whose cancellation lands there (an HTTP client
    gone while a chunk is being sent), calls ``aclose()`` (or uses ``async with``); closing twice is
    harmless.
    """

    def __init__(self, chunks: AsyncIterator[bytes], size: int, aclose_hook=None) -> None:
        self._chunks = chunks
        self.size = size
        self._aclose_hook = aclose_hook
        self._closed = False

    def __aiter__(self) -> ObjectStream:
        return self

    @property
    def closed(self) -> bool:
        return self._closed

    async def __anext__(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            await self.aclose()
            raise
        except BaseException:
            # A store error mid-stream or a cancellation: release now (shielded, since a cancelled task
            # cannot await otherwise), then let the original exception through untouched.
            with anyio.CancelScope(shield=True):
                with contextlib.suppress(Exception):  # the original error is the one to report
                    await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()
        if self._aclose_hook is not None:
            await self._aclose_hook()

    async def __aenter__(self) -> ObjectStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def read_all(self) -> bytes:
        """For small objects and tests only: joins every chunk in memory."""
        async with self:
            return b"".join([chunk async for chunk in self])


class Meter:
    """Counts and hashes bytes as they pass; raises ``TooLarge`` as soon as ``max_size`` is exceeded."""

    __slots__ = ("_hash", "max_size", "size")

    def __init__(self, max_size: int) -> None:
        if max_size <= 0:
            raise ValueError("max_size must be positive")
        self._hash = hashlib.sha256()
        self.max_size = max_size
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_size:
            raise TooLarge(self.max_size)
        self._hash.update(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def validate_key(key: str) -> str:
    """Keys are generated by the application, but a bad one must never reach a path or a URL."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidKey(str(key)[:200])
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix is a key prefix: empty, or a valid key optionally ending with '/'."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def validate_expiry(expires: timedelta) -> timedelta:
    if not timedelta(seconds=1) <= expires <= MAX_PRESIGNED_EXPIRY:
        raise ValueError(f"presigned URL expiry must be between 1 s and {MAX_PRESIGNED_EXPIRY}")
    return expires


class DocumentStore(ABC):
    """Where document bytes live. See the module docstring for the guarantees."""

    #: Short human name used in French messages ("le dossier …", "le stockage S3 …").
    description: str

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_size: int,
    ) -> StoredObject:
        """Store the chunks under a new key; ``TooLarge``/``AlreadyExists``/``StoreFull`` leave nothing.

        The key is checked and the bytes metered (size, sha256, limit) here, once for every store; the
        store writes them (:meth:`_write`)."""
        validate_key(key)
        return await self._write(key, chunks, Meter(max_size), content_type)

    @abstractmethod
    async def _write(
        self, key: str, chunks: AsyncIterable[bytes], meter: Meter, content_type: str
    ) -> StoredObject:
        """Write a new object, each chunk through ``meter`` (which raises ``TooLarge``) before it is sent;
        ``AlreadyExists`` for a key in use; nothing left behind on any failure."""

    @abstractmethod
    async def open(self, key: str) -> ObjectStream:
        """Open an object for streaming; raises ``NotFoundInStore`` before any byte is read."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove an object; deleting a missing key is not an error (compensation and sweeps retry)."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key starting with ``prefix`` (for the orphan sweep), in no guaranteed order."""

    async def presigned_url(
        self, key: str, expires: timedelta, *, download_name: str | None = None
    ) -> str | None:
        """A short-lived direct download URL, or ``None`` when the store cannot issue one (filesystem).
        The key and the expiry are checked for every store, even one that issues none."""
        validate_key(key)
        validate_expiry(expires)
        return await self._presigned_url(key, expires, download_name)

    async def _presigned_url(self, key: str, expires: timedelta, download_name: str | None) -> str | None:
        return None  # documents are served through the application

    async def sweep_incomplete(self, started_before: datetime) -> int:
        """Remove what interrupted writes left behind (a killed worker never reaches its clean-up).

        The default has nothing to sweep: an S3 store leaves unfinished multipart uploads, which the
        bucket's ``AbortIncompleteMultipartUpload`` lifecycle rule removes (see ``deploy/``).
        """
        return 0

    @abstractmethod
    async def check(self) -> None:
        """Readiness: raises ``StoreUnavailable`` with a message naming the store when it cannot be used."""


def _human_size(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} Mo"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    if size >= 1024:
        return f"{size // 1024} Ko"
    return f"{size} octets"
