"""Scanner identity: one stable key per manufacturer + model, however the headers spell them."""

import re

UNKNOWN = "unknown"
# A device is global: its name is shown to every role. Plain scanner names only (letters and digits in any
# script, spaces and a little punctuation), at most DEVICE_NAME_MAX characters each for maker and model.
DEVICE_NAME_MAX = 64
DEVICE_NAME_PUNCTUATION = frozenset(" .,-_+/()&:'#")

# Corporate suffixes that vary between software versions of the same vendor ("GE MEDICAL SYSTEMS",
# "GE Healthcare"); stripped repeatedly from the end, longest first.
_SUFFIXES: tuple[str, ...] = (
    "medical systems",
    "medical system",
    "healthineers",
    "healthcare",
    "corporation",
    "medical",
    "systems",
    "company",
    "corp",
    "gmbh",
    "inc",
    "ltd",
    "co",
    "ag",
    "bv",
    "nv",
)


def _collapse(text: str) -> str:
    return " ".join(str(text or "").split())


def _strip_suffixes(maker: str) -> str:
    words = maker.replace(",", " ").split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        tail = " ".join(words[-2:]).lower().replace(".", "")
        last = words[-1].lower().replace(".", "")
        if len(words) > 2 and tail in _SUFFIXES:
            words, changed = words[:-2], True
        elif last in _SUFFIXES:
            words, changed = words[:-1], True
    return " ".join(words)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def device_name_problem(value: str) -> str | None:
    """Why `value` (a Manufacturer or ManufacturerModelName) cannot name a device, or None when it can."""
    if len(value) > DEVICE_NAME_MAX:
        return f"is {len(value)} characters long (at most {DEVICE_NAME_MAX})"
    odd = sorted({ch for ch in value if not (ch.isalnum() or ch in DEVICE_NAME_PUNCTUATION)})
    if odd:
        shown = ", ".join(repr(ch) for ch in odd[:5])
        allowed = "letters, digits, spaces and .,-_+/()&:'#"
        return f"has characters a scanner name does not use ({shown}); allowed: {allowed}"
    return None


def normalise_device(manufacturer: str, model: str) -> tuple[str, str]:
    """Return ``(key, display)``, e.g. ``('siemens/biograph40_mct', 'SIEMENS Biograph40_mCT')``."""
    maker = _strip_suffixes(_collapse(manufacturer))
    model_name = _collapse(model)
    maker_key = _slug(maker) or UNKNOWN
    model_key = _slug(model_name) or UNKNOWN
    maker_display = maker or "Unknown manufacturer"
    model_display = model_name or "(model not recorded)"
    return f"{maker_key}/{model_key}", f"{maker_display} {model_display}"
