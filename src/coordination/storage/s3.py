"""Documents in an S3-protocol object store (MinIO in production) through the ``minio`` client.

Why this shape:
- ``minio`` is blocking: every call runs in a worker thread (``anyio.to_thread``), never on the event loop.
- Upload streams: ``put_object(length=-1)`` reads parts from a file-like ``_Pipe`` fed by the async chunk
  iterator; the iterator is metered (SHA-256, size, limit) as it goes. Memory stays around two parts plus
  the pipe's few blocks, whatever the document size. When the limit is exceeded or the client's body fails,
  the pipe makes minio's reader raise: minio aborts the multipart upload, so nothing is left.
- ``num_parallel_uploads`` stays at 1 by default: minio's parallel pool leaves its worker threads blocked
  forever when the reader raises (every refused upload would leak threads), and loopback benchmarks show
  no gain (see bench/storage). The pipe still overlaps receiving the body with sending the previous part.
- Objects are immutable: ``put`` refuses an existing key. Buckets are created with versioning enabled, so
  even a tool that bypasses this class cannot silently overwrite a document; ``delete`` therefore removes
  every version of the key (an application deletion must really erase the bytes).
- Pre-signed URLs always carry an explicit short expiry (the client's default is 7 days).
"""

from __future__ import annotations

import queue
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import anyio
import anyio.from_thread
import anyio.to_thread
import urllib3.exceptions
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import MinioException, S3Error
from minio.versioningconfig import VersioningConfig

from .base import (
    CHUNK_SIZE,
    AlreadyExists,
    DocumentStore,
    Meter,
    NotFoundInStore,
    ObjectStream,
    StorageError,
    StoredObject,
    StoreUnavailable,
    validate_expiry,
    validate_key,
    validate_prefix,
)

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)

_EOF = object()
_ABORT = object()


class _Aborted(Exception):
    """Raised inside minio's reader so that it aborts the multipart upload."""


class _Pipe:
    """Bounded byte pipe from the event loop (``send``) to minio's blocking reader thread (``read``).

    The bound is an anyio semaphore: the async side waits without holding a thread, and the reader releases
    a slot (one hop to the loop) per block it takes. A ``queue.SimpleQueue`` carries the blocks.
    """

    def __init__(self, capacity: int) -> None:
        self._items: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._slots = anyio.Semaphore(capacity)
        self._leftover = b""
        self._eof = False

    # event-loop side
    async def send(self, block: bytes | bytearray) -> None:
        await self._slots.acquire()
        self._items.put(block)

    def finish(self) -> None:
        self._items.put(_EOF)

    def abort(self) -> None:
        self._items.put(_ABORT)

    # thread side (file-like protocol used by minio)
    def read(self, size: int = -1) -> bytes:
        parts = [self._leftover] if self._leftover else []
        have = len(self._leftover)
        self._leftover = b""
        while (size < 0 or have < size) and not self._eof:
            item = self._items.get()
            if item is _EOF:
                self._eof = True
                break
            if item is _ABORT:
                raise _Aborted
            anyio.from_thread.run_sync(self._slots.release)
            if size >= 0 and have + len(item) > size:
                need = size - have
                self._leftover = item[need:]
                item = item[:need]
            parts.append(item)
            have += len(item)
        if len(parts) == 1 and isinstance(parts[0], bytes):
            return parts[0]
        return b"".join(parts)  # minio requires bytes


class S3Store(DocumentStore):
    def __init__(
        self,
        client: Minio,
        bucket: str,
        *,
        endpoint: str,
        part_size: int = MIN_PART_SIZE,
        pipe_blocks: int = 2,
        num_parallel_uploads: int = 1,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self.part_size = part_size
        self.pipe_blocks = pipe_blocks
        self.num_parallel_uploads = num_parallel_uploads
        self.description = f"le stockage S3 « {endpoint} » (compartiment « {bucket} »)"

    # -- error translation ---------------------------------------------------------------------------

    def _translate(self, exc: Exception, key: str | None = None) -> StorageError:
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            if exc.code in _MISSING_CODES and key is not None:
                return NotFoundInStore(key)
            if exc.code == "NoSuchBucket":
                return StoreUnavailable(
                    f"Le compartiment « {self.bucket} » n'existe pas sur le stockage S3 « {self.endpoint} »."
                )
            if exc.code in _DENIED_CODES:
                return StoreUnavailable(
                    f"Accès refusé par {self.description} ({exc.code}) : vérifiez les identifiants S3."
                )
            return StorageError(f"Erreur de {self.description} : {exc.code}.")
        if isinstance(exc, (*_NETWORK_ERRORS, MinioException)):
            reason = getattr(exc, "reason", None) or exc  # MaxRetryError wraps the real cause
            return StoreUnavailable(f"{self.description.capitalize()} est injoignable : {reason}.")
        return StorageError(f"Erreur inattendue de {self.description} : {exc!r}.")

    async def _call(self, func, *args, key: str | None = None, **kwargs):
        try:
            return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))
        except (S3Error, MinioException, *_NETWORK_ERRORS) as exc:
            raise self._translate(exc, key) from exc

    # -- DocumentStore ---------------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_size: int,
    ) -> StoredObject:
        validate_key(key)
        meter = Meter(max_size)
        if await self.exists(key):
            raise AlreadyExists(key)

        pipe = _Pipe(self.pipe_blocks)
        result: Any = None
        upload_error: BaseException | None = None
        feed_error: BaseException | None = None

        def upload_blocking() -> Any:
            return self.client.put_object(
                self.bucket,
                key,
                pipe,
                length=-1,
                content_type=content_type,
                part_size=self.part_size,
                num_parallel_uploads=self.num_parallel_uploads,
            )

        async def upload(scope: anyio.CancelScope) -> None:
            nonlocal result, upload_error
            try:
                result = await anyio.to_thread.run_sync(upload_blocking)
            except _Aborted:
                return  # the feeder failed and already holds the reason
            except Exception as exc:
                upload_error = exc
                scope.cancel()  # stop reading the body: it has nowhere to go

        async def feed() -> None:
            buffer = bytearray()
            async for chunk in chunks:
                meter.update(chunk)
                buffer += chunk
                if len(buffer) >= CHUNK_SIZE:
                    await pipe.send(buffer)  # handed over, not copied
                    buffer = bytearray()
            if buffer:
                await pipe.send(buffer)
            pipe.finish()

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(upload, tg.cancel_scope)
                try:
                    await feed()
                except Exception as exc:
                    pipe.abort()
                    feed_error = exc
                except BaseException:
                    pipe.abort()
                    raise
        except BaseException:
            # Cancelled after minio completed the upload: do not leave an object nobody will record.
            if result is not None:
                with anyio.CancelScope(shield=True):
                    await self._remove_versions(key)
            raise
        if feed_error is not None:
            raise feed_error
        if upload_error is not None:
            raise self._translate(upload_error, key) from upload_error  # type: ignore[arg-type]
        return StoredObject(
            key=key,
            size=meter.size,
            sha256=meter.sha256,
            etag=getattr(result, "etag", None),
            version_id=getattr(result, "version_id", None),
        )

    async def open(self, key: str) -> ObjectStream:
        validate_key(key)
        response = await self._call(self.client.get_object, self.bucket, key, key=key)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while block := await anyio.to_thread.run_sync(response.read, CHUNK_SIZE):
                    yield block
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise self._translate(exc, key) from exc

        async def close() -> None:
            def _close() -> None:
                response.close()
                response.release_conn()

            await anyio.to_thread.run_sync(_close)

        size = int(response.headers.get("Content-Length", "-1"))
        return ObjectStream(chunks(), size, aclose_hook=close)

    def _remove_versions_blocking(self, key: str) -> None:
        versions = [
            obj.version_id
            for obj in self.client.list_objects(self.bucket, prefix=key, include_version=True)
            if obj.object_name == key
        ]
        for version_id in versions or [None]:
            self.client.remove_object(self.bucket, key, version_id=version_id)

    async def _remove_versions(self, key: str) -> None:
        await self._call(self._remove_versions_blocking, key, key=key)

    async def delete(self, key: str) -> None:
        validate_key(key)
        try:
            await self._remove_versions(key)
        except NotFoundInStore:
            return

    async def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            await self._call(self.client.stat_object, self.bucket, key, key=key)
        except NotFoundInStore:
            return False
        return True

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_prefix(prefix)

        def _list() -> list[str]:
            return [
                obj.object_name
                for obj in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
            ]

        for key in await self._call(_list):
            yield key

    async def presigned_url(
        self, key: str, expires: timedelta, *, download_name: str | None = None
    ) -> str | None:
        validate_key(key)
        validate_expiry(expires)
        headers = None
        if download_name:
            headers = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(download_name)}"}
        return await self._call(
            self.client.presigned_get_object, self.bucket, key, expires=expires, response_headers=headers
        )

    async def check(self) -> None:
        if not await self._call(self.client.bucket_exists, self.bucket):
            raise StoreUnavailable(
                f"Le compartiment « {self.bucket} » n'existe pas sur le stockage S3 « {self.endpoint} »."
            )

    async def ensure_bucket(self, *, versioning: bool = True) -> None:
        """Create the bucket if missing (deployment, demo, tests), with versioning enabled by default."""
        await self._call(ensure_bucket, self.client, self.bucket, versioning=versioning)


def ensure_bucket(client: Minio, bucket: str, *, versioning: bool = True) -> None:
    """Blocking helper for CLI/deploy code: create ``bucket`` if missing and enable versioning."""
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    if versioning:
        client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
