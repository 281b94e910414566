"""The upload bucket: presigned PUTs for admins, ranged reads for the import
worker, deletion when an import ends (a lifecycle rule deletes what is left)."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError

READ_CHUNK = 1024 * 1024


class ImportFiles:
    def __init__(self, client, bucket: str):
        self._client = client
        self._bucket = bucket

    def upload_url(self, key: str, expires_seconds: int, size: int | None = None) -> str:
        """A presigned PUT; with a size, Content-Length is signed (S3 answers
        403 to a body of another length)."""
        params = {"Bucket": self._bucket, "Key": key, **({"ContentLength": size} if size else {})}
        return self._client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_seconds)

    def size(self, key: str) -> int | None:
        """The object's size, or None when there is none."""
        try:
            return int(self._client.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def read(self, key: str, start: int, length: int) -> bytes:
        answer = self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes={start}-{start + length - 1}")
        return answer["Body"].read()

    def stream(self, key: str, start: int) -> Iterator[bytes]:
        """The object from byte `start` on, a megabyte at a time."""
        answer = self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes={start}-")
        yield from answer["Body"].iter_chunks(READ_CHUNK)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)
