"""Renderers for endpoints that send bytes (pixels, PNGs), so clients may ask for those types."""

import json

from rest_framework.renderers import BaseRenderer, JSONRenderer


class BytesRenderer(BaseRenderer):
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return bytes(data)
        return json.dumps(data).encode()  # an error body (404, 401) on a binary endpoint


class OctetStreamRenderer(BytesRenderer):
    media_type = "application/octet-stream"
    format = "bin"


class PngRenderer(BytesRenderer):
    media_type = "image/png"
    format = "png"


BINARY_RENDERERS = [JSONRenderer, OctetStreamRenderer]
PNG_RENDERERS = [JSONRenderer, PngRenderer]
