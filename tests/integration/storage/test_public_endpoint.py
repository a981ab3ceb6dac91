"""Issue 20 item 7: pre-signed URLs carry the public S3 address a browser can reach
(``COORDINATION_S3_PUBLIC_ENDPOINT``), signed for that host, never the internal one."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest

from coordination.settings import Settings
from coordination.storage.factory import build_store
from tests.faults.conftest import Proxy


@pytest.mark.s3
async def test_presigned_url_uses_the_public_endpoint_and_downloads(s3_server, tmp_path) -> None:
    public = Proxy(s3_server.port)  # stands for the ingress in front of the store: another host:port
    try:
        bucket = s3_server.new_bucket()
        s3_server.client().put_object(bucket, "persons/x/doc-1", io.BytesIO(b"contenu"), 7)
        settings = Settings(env="test", var_dir=tmp_path).replace(
            **s3_server.settings_overrides(bucket), s3_public_endpoint=f"http://127.0.0.1:{public.port}"
        )
        url = await build_store(settings).presigned_url(
            "persons/x/doc-1", timedelta(minutes=5), download_name="attestation.pdf"
        )
        assert url.startswith(f"http://127.0.0.1:{public.port}/{bucket}/persons/x/doc-1?")
        assert s3_server.endpoint not in url
        async with httpx.AsyncClient() as browser:
            response = await browser.get(url)
        assert response.status_code == 200, response.text
        assert response.content == b"contenu"
        assert "attestation.pdf" in response.headers["content-disposition"]
    finally:
        public.close()


@pytest.mark.s3
async def test_without_a_public_endpoint_the_internal_one_is_used(s3_server, tmp_path) -> None:
    bucket = s3_server.new_bucket()
    settings = Settings(env="test", var_dir=tmp_path).replace(**s3_server.settings_overrides(bucket))
    url = await build_store(settings).presigned_url("persons/x/doc-1", timedelta(minutes=5))
    assert url.startswith(f"http://{s3_server.endpoint}/")
