"""Where rendered recordings are kept: ``RECORDING_STORAGE_URL``, in the URL style of the
project's other settings (``DATABASE_URL``, ``EMAIL_URL``).

* unset or ``file:///path``: a folder (default ``VAR_DIR/recordings``);
* ``s3://KEY:SECRET@s3.amazonaws.com/bucket?region=eu-west-1``: Amazon S3;
* ``s3://KEY:SECRET@host:9000/bucket?secure=0``: any S3-compatible store (MinIO, Ceph, …).

Both go through Django's storage API (django-storages' apache-libcloud backend for S3), so
views and jobs never know which it is.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage
from libcloud.storage.providers import get_driver
from libcloud.storage.types import Provider
from storages.backends.apache_libcloud import LibCloudStorage

AWS_HOSTS = {"", "s3.amazonaws.com"}


def storage_from_url(url: str) -> Storage:
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        folder = unquote(parts.path) if url else str(Path(settings.VAR_DIR) / "recordings")
        return FileSystemStorage(location=folder)
    if parts.scheme == "s3":
        bucket = parts.path.strip("/").split("/", 1)[0]
        if not bucket or not parts.username or not parts.password:
            raise ImproperlyConfigured("RECORDING_STORAGE_URL: s3://KEY:SECRET@host/bucket")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return S3Storage(unquote(parts.username), unquote(parts.password), bucket, host=parts.hostname or "",
                         port=parts.port, secure=query.get("secure", "1") != "0", region=query.get("region"))
    raise ImproperlyConfigured(f"RECORDING_STORAGE_URL: unknown scheme {parts.scheme!r} (file:// or s3://)")


class S3Storage(LibCloudStorage):
    """django-storages' libcloud storage with its driver built from the URL: the parent's
    constructor reads ``LIBCLOUD_PROVIDERS`` and cannot reach an S3-compatible host."""

    def __init__(self, key: str, secret: str, bucket: str, *, host: str, port: int | None, secure: bool,
                 region: str | None) -> None:  # the parent's __init__ is replaced, not extended
        if host in AWS_HOSTS:
            self.driver = get_driver(Provider.S3)(key, secret, region=region or "us-east-1")
        else:
            self.driver = get_driver(Provider.MINIO)(key, secret, secure=secure, host=host, port=port)
        self.provider = {"type": "libcloud.storage.types.Provider.S3", "bucket": bucket}
        self.bucket = bucket


@cache
def recording_storage() -> Storage:
    return storage_from_url(getattr(settings, "RECORDING_STORAGE_URL", "") or "")


def spool_dir() -> Path:
    """The media server's local folder for raw packets while recording (never remote)."""
    return Path(getattr(settings, "RECORDING_SPOOL_DIR", "") or Path(settings.VAR_DIR) / "recordings" / "raw")
