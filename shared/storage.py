"""Where attachments' bytes live: a folder on the local disk (the default), or an S3-compatible bucket
(MinIO, AWS, ...) when `KESSOS_S3_BUCKET` is set. The database keeps only each file's key.

Both stores block (file I/O, boto3), so every call runs in a worker thread, off the event loop.
"""

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from shared.settings import KessosSettings


class StoredFileMissing(Exception):
    """The database names a file the store does not have (deleted by hand, wrong bucket)."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...


def _checked(key: str) -> str:
    # Keys are built by Kessos from ids, never from a client's file name; refuse anything else rather
    # than let a bad key climb out of the folder.
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in {"..", "."} for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file, a crash leaves none.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await run_in_threadpool(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await run_in_threadpool(self._get, key)


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str = "us-east-1",
    ):
        import boto3  # only when S3 is configured: the local store needs no AWS SDK loaded
        from botocore.config import Config

        self.bucket = bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
            # MinIO and most self-hosted stores want path-style URLs (no bucket name in the host).
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=_checked(key))
        except self._client.exceptions.NoSuchKey as exc:
            raise StoredFileMissing(key) from exc
        body: bytes = answer["Body"].read()
        return body

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await run_in_threadpool(
            self._client.put_object,
            Bucket=self.bucket,
            Key=_checked(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        return await run_in_threadpool(self._get, key)


def storage_from(settings: KessosSettings) -> Storage:
    if settings.s3_bucket:
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            region=settings.s3_region,
        )
    return LocalStorage(settings.attachments_dir or settings.data_dir / "attachments")
