"""Field encryption at rest and keyed hashes for exact lookup (PIPL Art 51; domain.md §6.4).

ID numbers and phone numbers are stored encrypted (AES-256-GCM) next to a keyed hash
(HMAC-SHA256) of their normalised form. The hash supports exact search and repeat-dispute
detection without decrypting every row; being keyed, it cannot be reversed by hashing all
possible ID numbers without the key.

Both subkeys come from one master secret (``FIELD_ENCRYPTION_KEY``) through HKDF, so an
installation configures a single value; ``generate_key()`` makes a fresh one.
"""
import base64
import binascii
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: Prefix of every token; a later key or algorithm change adds 'v2:' and keeps reading 'v1:'.
TOKEN_VERSION = 'v1'
NONCE_BYTES = 12  # 96 bits, the size GCM is designed for
MIN_KEY_BYTES = 16

_ENCRYPTION_INFO = b'mediation field encryption v1'
_LOOKUP_HASH_INFO = b'mediation lookup hash v1'


class DecryptionError(ValueError):
    """A stored token could not be decrypted: tampered, truncated, or encrypted with another key."""


def generate_key() -> str:
    """Return a fresh random master key (URL-safe base64 of 32 bytes) for ``instance/config.py``."""
    return secrets.token_urlsafe(32)


def _key_bytes(key: str | bytes, name: str) -> bytes:
    material = key.encode('utf-8') if isinstance(key, str) else bytes(key)
    if len(material) < MIN_KEY_BYTES:
        raise ValueError(
            f'{name} is too short ({len(material)} bytes, need at least {MIN_KEY_BYTES}); '
            'create one with mediation.crypto.generate_key()'
        )
    return material


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


class FieldCipher:
    """Encrypts and decrypts single text fields and computes their lookup hashes.

    :param key: the master secret from configuration (e.g. ``app.config['FIELD_ENCRYPTION_KEY']``);
        a ``str`` is used as its UTF-8 bytes, so the output of :func:`generate_key` works as is.
    :param hash_key: optional separate secret for lookup hashes; by default both subkeys are
        derived from ``key`` with HKDF under different labels, so neither reveals the other.
    """

    def __init__(self, key: str | bytes, hash_key: str | bytes | None = None):
        master = _key_bytes(key, 'Field encryption key')
        hash_master = master if hash_key is None else _key_bytes(hash_key, 'Lookup hash key')
        self._aead = AESGCM(_derive(master, _ENCRYPTION_INFO))
        self._hash_key = _derive(hash_master, _LOOKUP_HASH_INFO)

    def __repr__(self) -> str:
        return '<FieldCipher>'  # never show key material in logs or tracebacks

    def encrypt(self, plaintext: str | None) -> str | None:
        """Encrypt text into an ASCII token ``'v1:' + base64(nonce ‖ ciphertext ‖ tag)``.

        ``None`` passes through. A random nonce makes equal plaintexts encrypt differently; use
        :meth:`lookup_hash` to find equal values.
        """
        if plaintext is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        # The version is authenticated as associated data, so a token cannot be relabelled.
        ciphertext = self._aead.encrypt(nonce, plaintext.encode('utf-8'), TOKEN_VERSION.encode())
        return f'{TOKEN_VERSION}:' + base64.urlsafe_b64encode(nonce + ciphertext).decode('ascii')

    def decrypt(self, token: str | None) -> str | None:
        """Decrypt a token made by :meth:`encrypt`; ``None`` passes through.

        :raise DecryptionError: if the token is malformed, was altered, or needs another key.
        """
        if token is None:
            return None
        version, separator, payload = token.partition(':')
        if not separator or version != TOKEN_VERSION:
            raise DecryptionError(f'Unsupported encrypted-field format (expected a {TOKEN_VERSION}: token)')
        try:
            raw = base64.b64decode(payload.encode('ascii'), altchars=b'-_', validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise DecryptionError('Encrypted field is corrupted (invalid base64)') from None
        nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        if len(nonce) < NONCE_BYTES or not ciphertext:
            raise DecryptionError('Encrypted field is corrupted (too short)')
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, TOKEN_VERSION.encode())
        except InvalidTag:
            raise DecryptionError(
                'Encrypted field failed authentication: it was altered or encrypted with a different key'
            ) from None
        return plaintext.decode('utf-8')

    def lookup_hash(self, normalised_value: str | None) -> str | None:
        """Return the keyed HMAC-SHA256 (64 hex chars) of an already normalised value.

        Normalise first (e.g. ``normalise_resident_id``, ``parse_phone``): the hash is exact, so
        '11010519491231002x' and '11010519491231002X' hash differently. ``None`` passes through.
        """
        if normalised_value is None:
            return None
        return hmac.new(self._hash_key, normalised_value.encode('utf-8'), hashlib.sha256).hexdigest()
