"""Where media lives (Django's STORAGES["default"]), from the environment; used only by studies/storage.py.

Files under MEDIA_ROOT by default; an S3 bucket (AWS or any S3-compatible server) when S3_BUCKET is set, so
web and workers on different machines share images, HU arrays, thumbnails, reformats, weights and exports.
The bucket stays private: downloads go through the app's permission-checked views.
"""

from .env import env_str


def media_storage() -> dict:
    bucket = env_str("S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "studies.storage.AtomicFileSystemStorage"}
    endpoint = env_str("S3_ENDPOINT_URL", "")  # empty: AWS itself
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": env_str("S3_REGION", "") or None,
            # unset: boto3's own credential chain (instance role, ~/.aws)
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "addressing_style": "path" if endpoint else None,  # S3-compatible servers serve no bucket hostnames
            "default_acl": None,  # the bucket's own policy
            "file_overwrite": True,
        },
    }
