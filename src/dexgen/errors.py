"""One exception family for dexgen, so callers can catch ours and let the rest through."""


class DexgenError(Exception):
    """Base class of every error dexgen raises on purpose."""


class ConfigError(DexgenError, ValueError):
    """A params value or config field is missing, unknown or of the wrong type or range."""


class InputError(DexgenError, ValueError):
    """A user-supplied file (mesh, JSON, archive) is unreadable or invalid; the message names the file."""


class FetchError(DexgenError):
    """A download failed or its content does not match the pinned checksum."""
