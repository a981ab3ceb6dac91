"""Documents in an S3-protocol object store (MinIO in production) through the ``minio`` client.

Why this shape:
- ``minio`` is blocking: every call runs in a worker thread (``anyio.to_thread``), never on the event loop.
- Upload streams: the async chunk iterator is metered (SHA-256, size, limit) and cut into 5 MiB parts that
  go out as an S3 multipart upload, at most ``concurrency`` (2) parts in flight, each in a worker thread.
  Memory stays around ``concurrency + 1`` parts whatever the document size. On the size limit, an error
  of the body, an S3 error or a cancellation, the multipart upload is aborted: nothing is left.
- Why not ``put_object(length=-1)`` with a file-like object fed by a queue (tried first): minio's parallel
  part pool leaves its worker threads blocked forever when the reader raises (every refused upload would
  leak threads), minio copies each part twice while slicing it, and sequential parts only reached about
  half of the bare client's throughput. We therefore drive minio's own multipart primitives
  (``MULTIPART_PRIMITIVES``, private but stable across 7.x; a unit test fails if they change).
- Objects are immutable: ``put`` refuses an existing key. Buckets are created with versioning enabled, so
  even a tool that bypasses this class cannot silently overwrite a document; ``delete`` therefore removes
  every version of the key (an application deletion must really erase the bytes).
- Pre-signed URLs always carry an explicit short expiry (the client's default is 7 days).
- Downloads read the S3 response in blocks of ``READ_CHUNK_SIZE`` (4 MiB), one worker-thread hop each (see
  ``base.READ_CHUNK_SIZE`` for the measurements); the response is closed at the end, on an error and when
  the reader goes away (``ObjectStream``).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from urllib.parse import quote

import anyio
import anyio.abc
import anyio.to_thread
import urllib3.exceptions
from minio import Minio
from minio.commonconfig import ENABLED
from minio.datatypes import Part
from minio.error import MinioException, S3Error
from minio.versioningconfig import VersioningConfig

from coordination.metrics.registry import record_store_error

from .base import (
    READ_CHUNK_SIZE,
    AlreadyExists,
    DocumentStore,
    Meter,
    NotFoundInStore,
    ObjectStream,
    StorageError,
    StoredObject,
    StoreUnavailable,
    validate_key,
    validate_prefix,
)

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)

# minio's public put_object cannot stream safely (see the module docstring); these are the multipart
# primitives it uses itself, stable across minio 7.x. tests/unit/storage checks they still exist.
MULTIPART_PRIMITIVES = (
    "_create_multipart_upload",
    "_upload_part",
    "_complete_multipart_upload",
    "_abort_multipart_upload",
    "_put_object",
)


class _MultipartUpload:
    """One streaming upload: parts go out in worker threads, at most ``concurrency`` at a time.

    Errors never escape the task group as an ``ExceptionGroup``: the first one is kept in ``error`` and the
    group is cancelled, so ``put`` raises exactly what went wrong (``TooLarge``, the source's error, S3's).
    """

    def __init__(self, store: S3Store, key: str, content_type: str) -> None:
        self.store = store
        self.client = store.client
        self.key = key
        self.headers = {"Content-Type": content_type or "application/octet-stream"}
        self.slots = anyio.Semaphore(store.concurrency)
        self.upload_id: str | None = None
        self.parts: list[Part] = []
        self.part_number = 0
        self.error: BaseException | None = None
        self.completed = False
        self.result_etag: str | None = None
        self.result_version: str | None = None

    def fail(self, exc: BaseException, tg: anyio.abc.TaskGroup) -> None:
        if self.error is None:
            self.error = exc
        tg.cancel_scope.cancel()

    async def send_part(self, tg: anyio.abc.TaskGroup, buffer: bytearray, size: int) -> None:
        await self.slots.acquire()  # wait for a free slot *before* cutting the part: memory stays bounded
        part = bytes(memoryview(buffer)[:size])
        del buffer[:size]
        if self.upload_id is None:
            try:
                self.upload_id = await self.store._call(
                    self.client._create_multipart_upload, self.store.bucket, self.key, dict(self.headers)
                )
            except BaseException:
                self.slots.release()
                raise
        self.part_number += 1
        tg.start_soon(self._upload_part, tg, self.part_number, part)

    async def _upload_part(self, tg: anyio.abc.TaskGroup, number: int, data: bytes) -> None:
        try:
            etag = await self.store._call(
                self.client._upload_part, self.store.bucket, self.key, data, None, self.upload_id, number
            )
            self.parts.append(Part(number, etag))
        except Exception as exc:
            self.fail(exc, tg)
        finally:
            del data
            self.slots.release()

    async def finish(self, tg: anyio.abc.TaskGroup, buffer: bytearray) -> None:
        if self.upload_id is None:
            # Small document: one plain PUT.
            data = bytes(buffer)
            buffer.clear()

            def put_small() -> None:
                result = self.client._put_object(self.store.bucket, self.key, data, dict(self.headers))
                self.completed = True
                self.result_etag, self.result_version = result.etag, result.version_id

            await self.store._call(put_small)
            return
        if buffer:
            await self.send_part(tg, buffer, len(buffer))
        # Wait for every part in flight (each holds a slot), then complete.
        for _ in range(self.store.concurrency):
            await self.slots.acquire()
        if self.error is not None:
            return
        parts = sorted(self.parts, key=lambda part: part.part_number)
        upload_id = self.upload_id
        assert upload_id is not None  # a part was sent above, so the multipart upload was opened

        def complete() -> None:
            result = self.client._complete_multipart_upload(self.store.bucket, self.key, upload_id, parts)
            self.completed = True
            self.result_etag, self.result_version = result.etag, result.version_id

        await self.store._call(complete)

    async def discard(self) -> None:
        """Leave nothing: abort an open multipart upload, or remove an object completed too late."""
        try:
            if self.completed:
                await anyio.to_thread.run_sync(self.store._remove_versions_blocking, self.key)
            elif self.upload_id is not None:
                await anyio.to_thread.run_sync(
                    self.client._abort_multipart_upload, self.store.bucket, self.key, self.upload_id
                )
        except Exception:  # noqa: S110 - best effort; the orphan sweep catches what is left
            pass


class S3Store(DocumentStore):
    def __init__(
        self,
        client: Minio,
        bucket: str,
        *,
        endpoint: str,
        part_size: int = MIN_PART_SIZE,
        concurrency: int = 2,
        presign_client: Minio | None = None,
    ) -> None:
        """``presign_client``: a client for the store's *public* address (``s3_public_endpoint``), used only
        to sign download URLs: SigV4 signs the host, so a URL for the browser must be signed for the host
        the browser will call, not for the internal one (``http://s3:9000`` in compose)."""
        if part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self.part_size = part_size
        self.concurrency = concurrency
        self.presign_client = presign_client or client
        self.description = f"le stockage S3 « {endpoint} » (compartiment « {bucket} »)"

    # -- error translation ---------------------------------------------------------------------------

    def _translate(self, exc: Exception, key: str | None = None) -> StorageError:
        return record_store_error("s3", self._translate_error(exc, key))

    def _translate_error(self, exc: Exception, key: str | None = None) -> StorageError:
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

    async def _write(
        self, key: str, chunks: AsyncIterable[bytes], meter: Meter, content_type: str
    ) -> StoredObject:
        if await self.exists(key):
            raise AlreadyExists(key)
        upload = _MultipartUpload(self, key, content_type)
        try:
            async with anyio.create_task_group() as tg:
                buffer = bytearray()
                try:
                    async for chunk in chunks:
                        meter.update(chunk)
                        buffer += chunk
                        # Strictly more than a part: a document of exactly one part stays a single PUT.
                        while len(buffer) > self.part_size and upload.error is None:
                            await upload.send_part(tg, buffer, self.part_size)
                        if upload.error is not None:
                            break
                    else:
                        await upload.finish(tg, buffer)
                except Exception as exc:
                    upload.fail(exc, tg)
            if upload.error is not None:
                raise upload.error
        except BaseException:
            with anyio.CancelScope(shield=True):
                await upload.discard()
            raise
        return StoredObject(
            key=key,
            size=meter.size,
            sha256=meter.sha256,
            etag=upload.result_etag,
            version_id=upload.result_version,
        )

    async def open(self, key: str) -> ObjectStream:
        validate_key(key)
        response = await self._call(self.client.get_object, self.bucket, key, key=key)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while block := await anyio.to_thread.run_sync(response.read, READ_CHUNK_SIZE):
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
        # Nothing listed: nothing to remove. A DELETE without a version id on a versioned bucket would
        # *add* a delete marker for a key that never existed (S3 and SeaweedFS do; moto did not).
        for version_id in versions:
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

    async def _presigned_url(self, key: str, expires: timedelta, download_name: str | None) -> str | None:
        headers = None
        if download_name:
            headers = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(download_name)}"}
        return await self._call(
            self.presign_client.presigned_get_object,
            self.bucket,
            key,
            expires=expires,
            response_headers=headers,
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
