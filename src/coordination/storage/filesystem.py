"""Documents in a local folder: the embedded default (development, demo, single-machine installs).

Why this shape:
- A document is first written to a hidden temporary file in its final folder, flushed and fsynced, then
  *hard-linked* to its final name. ``link`` is atomic and, unlike ``rename``, refuses to replace an existing
  name: immutability holds even between two concurrent writers of the same key. Readers never see a
  partial file.
- Any failure (size limit, full disk, cancelled upload) removes the temporary file: nothing partial stays.
- File I/O runs in worker threads (``anyio.to_thread``) in blocks (``CHUNK_SIZE`` written,
  ``READ_CHUNK_SIZE`` read) so the event loop never blocks on a slow disk and the number of thread hops
  stays small.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from coordination.metrics.registry import record_store_error

from .base import (
    CHUNK_SIZE,
    READ_CHUNK_SIZE,
    AlreadyExists,
    DocumentStore,
    Meter,
    NotFoundInStore,
    ObjectStream,
    StorageError,
    StoredObject,
    StoreFull,
    StoreUnavailable,
    validate_key,
    validate_prefix,
)

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_NO_ACCESS = {errno.EACCES, errno.EPERM, errno.EROFS}


class FilesystemStore(DocumentStore):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.description = f"le dossier des documents « {self.root} »"

    # -- helpers ---------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self.root.joinpath(*key.split("/"))
        # Belt and braces: validate_key already forbids "." and ".." segments.
        if self.root not in path.parents:
            raise StorageError(f"Clé de document invalide : « {key} ».")
        return path

    def _translate(self, exc: OSError, key: str) -> StorageError:
        return record_store_error("filesystem", self._translate_error(exc, key))

    def _translate_error(self, exc: OSError, key: str) -> StorageError:
        if exc.errno in _DISK_FULL:
            return StoreFull(
                f"Plus d'espace disque pour {self.description} : le document « {key} » n'a pas été enregistré."
            )
        if exc.errno in _NO_ACCESS:
            return StoreUnavailable(f"Accès refusé à {self.description} ({exc.strerror}).")
        return StorageError(f"Erreur d'écriture dans {self.description} : {exc.strerror or exc}.")

    async def _io(self, key: str, func, *args) -> None:
        """Run one blocking file operation in a thread, translating *our* I/O errors (not the source's)."""
        try:
            await anyio.to_thread.run_sync(func, *args)
        except FileExistsError as exc:
            raise AlreadyExists(key) from exc
        except OSError as exc:
            raise self._translate(exc, key) from exc

    # -- blocking parts, run in worker threads ---------------------------------------------------------

    def _open_temp(self, path: Path) -> tuple[BinaryIO, Path]:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        return os.fdopen(fd, "wb", buffering=0), Path(tmp)

    @staticmethod
    def _write_block(file: BinaryIO, block: bytes | bytearray) -> None:
        view = memoryview(block)
        while view:
            written = file.write(view)
            view = view[written:]

    @staticmethod
    def _publish(file: BinaryIO, tmp: Path, path: Path) -> None:
        os.fsync(file.fileno())
        file.close()
        try:
            os.link(tmp, path)  # atomic, and fails with EEXIST instead of overwriting
        finally:
            tmp.unlink(missing_ok=True)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @staticmethod
    def _discard(file: BinaryIO, tmp: Path) -> None:
        try:
            file.close()
        finally:
            tmp.unlink(missing_ok=True)

    # -- DocumentStore ---------------------------------------------------------------------------------

    async def _write(
        self, key: str, chunks: AsyncIterable[bytes], meter: Meter, content_type: str
    ) -> StoredObject:
        path = self._path(key)
        # Refuse early, before reading the body; the link below is what really guarantees it.
        if await anyio.to_thread.run_sync(os.path.lexists, path):
            raise AlreadyExists(key)
        try:
            file, tmp = await anyio.to_thread.run_sync(self._open_temp, path)
        except OSError as exc:
            raise self._translate(exc, key) from exc
        try:
            buffer = bytearray()
            async for chunk in chunks:  # errors of the source propagate untranslated
                meter.update(chunk)
                buffer += chunk
                if len(buffer) >= CHUNK_SIZE:
                    await self._io(key, self._write_block, file, buffer)
                    buffer.clear()
            if buffer:
                await self._io(key, self._write_block, file, buffer)
            await self._io(key, self._publish, file, tmp, path)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._discard, file, tmp)
            raise
        return StoredObject(key=key, size=meter.size, sha256=meter.sha256)

    async def open(self, key: str) -> ObjectStream:
        path = self._path(key)

        def _open() -> tuple[BinaryIO, int]:
            file = open(path, "rb")  # noqa: SIM115 - closed by the stream's aclose hook
            try:
                return file, os.fstat(file.fileno()).st_size
            except BaseException:
                file.close()
                raise

        try:
            file, size = await anyio.to_thread.run_sync(_open)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFoundInStore(key) from exc
        except OSError as exc:
            raise self._translate(exc, key) from exc

        async def chunks() -> AsyncIterator[bytes]:
            while block := await anyio.to_thread.run_sync(file.read, READ_CHUNK_SIZE):
                yield block

        async def close() -> None:
            await anyio.to_thread.run_sync(file.close)

        return ObjectStream(chunks(), size, aclose_hook=close)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        except IsADirectoryError:
            return
        except OSError as exc:
            raise self._translate(exc, key) from exc

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_prefix(prefix)
        # Walk only the folder the prefix points into.
        start = self.root.joinpath(*prefix.split("/")[:-1]) if "/" in prefix else self.root

        def _walk() -> list[str]:
            found = []
            for dirpath, dirnames, filenames in os.walk(start):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(dirpath).relative_to(self.root).as_posix()
                for name in filenames:
                    if name.startswith("."):  # temporary files of uploads in progress
                        continue
                    key = name if rel == "." else f"{rel}/{name}"
                    if key.startswith(prefix):
                        found.append(key)
            return found

        for key in await anyio.to_thread.run_sync(_walk):
            yield key

    async def sweep_incomplete(self, started_before: datetime) -> int:
        """Delete ``.part`` temporary files last written before ``started_before`` (a killed worker's)."""

        def sweep() -> int:
            cutoff = started_before.timestamp()
            removed = 0
            for tmp in self.root.rglob(".*.part"):
                try:
                    if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                        tmp.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
            return removed

        if not self.root.exists():
            return 0
        return await anyio.to_thread.run_sync(sweep)

    async def check(self) -> None:
        def _check() -> None:
            try:
                self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StoreUnavailable(
                    f"Impossible de créer {self.description} : {exc.strerror or exc}."
                ) from exc
            if not self.root.is_dir():
                raise StoreUnavailable(f"{self.description.capitalize()} n'est pas un dossier.")
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise StoreUnavailable(f"{self.description.capitalize()} n'est pas accessible en écriture.")

        await anyio.to_thread.run_sync(_check)
