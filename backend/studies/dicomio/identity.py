"""Keyed, deterministic identifiers: subject pseudonyms and remapped DICOM UIDs.

Both use HMAC-SHA256 with a secret salt, so the same patient or UID always maps to the same output for one
installation, and nobody without the salt can link outputs back to inputs. Each use has its own prefix so a
patient key and a UID that happen to be equal never give related outputs.
"""

import base64
import hashlib
import hmac

PSEUDONYM_PREFIX = "MS-"
PSEUDONYM_PATTERN = r"MS-[A-Z2-7]{10}"
UUID_ROOT = "2.25."  # PS3.5 B.2: a UID made of a 128-bit number under 2.25


def _mac(salt: bytes, purpose: bytes, value: str) -> bytes:
    if not salt:
        raise ValueError("a non-empty secret salt is required")
    return hmac.new(salt, purpose + b"\x00" + value.encode("utf-8"), hashlib.sha256).digest()


def pseudonym_for(patient_key: str, salt: bytes, scope: str = "") -> str:
    """``'MS-'`` + 10 base32 characters (50 bits) derived from the patient key (and the uploader's scope).

    A subject with no patient ID is keyed by its study: pass ``ParsedCT.subject_key``, which is
    ``'study:<StudyInstanceUID>'`` in that case. With a ``scope`` (ingest passes the uploader), the same
    identifiers give each uploader a different pseudonym, so nobody can compute another uploader's.
    """
    if not patient_key:
        raise ValueError("empty patient key: pass 'study:<StudyInstanceUID>' (ParsedCT.subject_key)")
    if scope:
        digest = _mac(salt, b"pseudonym-scoped", f"{len(scope)}:{scope}{patient_key}")
    else:
        digest = _mac(salt, b"pseudonym", patient_key)
    return PSEUDONYM_PREFIX + base64.b32encode(digest).decode("ascii")[:10]


def remap_uid(uid: str, salt: bytes) -> str:
    """A new UID ``2.25.<128-bit decimal>`` (at most 44 characters) for ``uid``; ``''`` stays ``''``."""
    uid = str(uid or "").strip()
    if not uid:
        return ""
    digest = _mac(salt, b"uid", uid)
    return UUID_ROOT + str(int.from_bytes(digest[:16], "big"))


def derived_uid(purpose: str, parts: list[str]) -> str:
    """An unsalted stand-in UID for one the file lacks (it is remapped with the salt at de-identification)."""
    digest = hashlib.sha256((purpose + "\x00" + "\x00".join(parts)).encode("utf-8")).digest()
    return UUID_ROOT + str(int.from_bytes(digest[:16], "big"))
