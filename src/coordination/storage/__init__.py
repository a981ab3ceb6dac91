"""Document storage: one ``DocumentStore`` contract, a filesystem and an S3 implementation, and the
antivirus scanner documents pass before they become available."""

from .antivirus import (
    ClamdScanner,
    DisabledScanner,
    ScanFailed,
    Scanner,
    ScannerError,
    ScannerUnavailable,
    ScanResult,
    ScanStatus,
)
from .base import (
    AlreadyExists,
    DocumentStore,
    InvalidKey,
    NotFoundInStore,
    ObjectStream,
    StorageError,
    StoredObject,
    StoreFull,
    StoreUnavailable,
    TooLarge,
)

__all__ = [
    "AlreadyExists",
    "ClamdScanner",
    "DisabledScanner",
    "DocumentStore",
    "InvalidKey",
    "NotFoundInStore",
    "ObjectStream",
    "ScanFailed",
    "ScanResult",
    "ScanStatus",
    "Scanner",
    "ScannerError",
    "ScannerUnavailable",
    "StorageError",
    "StoreFull",
    "StoreUnavailable",
    "StoredObject",
    "TooLarge",
]
