"""Tests for mediation.crypto: field encryption at rest and keyed lookup hashes."""
import base64
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.crypto import DecryptionError
from mediation.crypto import FieldCipher
from mediation.crypto import generate_key
from mediation.identifiers import normalise_resident_id

KEY = 'test-master-key-0123456789abcdef'
OTHER_KEY = 'another-master-key-0123456789abc'


@pytest.fixture
def cipher():
    return FieldCipher(KEY)


def test_round_trip(cipher):
    token = cipher.encrypt('11010519491231002X')
    assert token.startswith('v1:')
    assert token.isascii() and '11010519491231002X' not in token
    assert cipher.decrypt(token) == '11010519491231002X'


def test_round_trip_of_chinese_and_empty_text(cipher):
    assert cipher.decrypt(cipher.encrypt('浙江省杭州市西湖区龙坞村3组')) == '浙江省杭州市西湖区龙坞村3组'
    assert cipher.decrypt(cipher.encrypt('')) == ''


def test_equal_plaintexts_encrypt_differently(cipher):
    assert cipher.encrypt('13812345678') != cipher.encrypt('13812345678')


def test_none_passes_through(cipher):
    assert cipher.encrypt(None) is None
    assert cipher.decrypt(None) is None
    assert cipher.lookup_hash(None) is None


def test_bytes_and_str_keys_are_the_same_secret():
    token = FieldCipher(KEY.encode()).encrypt('x')
    assert FieldCipher(KEY).decrypt(token) == 'x'


def test_generated_key_works_and_is_fresh():
    key = generate_key()
    assert re.fullmatch(r'[A-Za-z0-9_-]{43}', key)
    assert len(base64.urlsafe_b64decode(key + '=')) == 32
    assert key != generate_key()
    cipher = FieldCipher(key)
    assert cipher.decrypt(cipher.encrypt('secret')) == 'secret'


@pytest.mark.parametrize('key', ['', 'short', b'0123456789abcde'])
def test_short_keys_are_refused(key):
    with pytest.raises(ValueError, match='generate_key'):
        FieldCipher(key)


def test_key_material_is_not_in_repr(cipher):
    assert KEY not in repr(cipher)


# --- tampering and wrong keys ----------------------------------------------------------------


def _flip_byte(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[index] ^= 0x01
    return 'v1:' + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize('index', [0, 11, 12, -1], ids=['nonce', 'nonce-end', 'ciphertext', 'tag'])
def test_tampering_is_detected(cipher, index):
    token = cipher.encrypt('11010519491231002X')
    with pytest.raises(DecryptionError, match='altered or encrypted with a different key'):
        cipher.decrypt(_flip_byte(token, index))


def test_wrong_key_fails(cipher):
    token = cipher.encrypt('13812345678')
    with pytest.raises(DecryptionError, match='different key'):
        FieldCipher(OTHER_KEY).decrypt(token)


def test_separate_hash_key_does_not_change_encryption_key():
    token = FieldCipher(KEY).encrypt('13812345678')
    assert FieldCipher(KEY, hash_key=OTHER_KEY).decrypt(token) == '13812345678'


@pytest.mark.parametrize(
    'token, fragment',
    [
        ('11010519491231002X', 'Unsupported'),
        ('v2:AAAA', 'Unsupported'),
        ('v1:not base64!!', 'invalid base64'),
        ('v1:AAAA', 'too short'),
        ('v1:' + base64.urlsafe_b64encode(b'\0' * 12).decode(), 'too short'),
        ('v1:' + base64.urlsafe_b64encode(b'\0' * 40).decode(), 'different key'),
    ],
)
def test_malformed_tokens_raise_decryption_error(cipher, token, fragment):
    with pytest.raises(DecryptionError, match=fragment):
        cipher.decrypt(token)


def test_truncated_token_is_detected(cipher):
    token = cipher.encrypt('13812345678')
    with pytest.raises(DecryptionError):
        cipher.decrypt(token[:-4])


# --- lookup hash -----------------------------------------------------------------------------


def test_lookup_hash_is_stable_hex_and_keyed(cipher):
    digest = cipher.lookup_hash('11010519491231002X')
    assert re.fullmatch(r'[0-9a-f]{64}', digest)
    assert digest == FieldCipher(KEY).lookup_hash('11010519491231002X')
    assert digest != FieldCipher(OTHER_KEY).lookup_hash('11010519491231002X')
    assert digest != cipher.lookup_hash('110105194912310021')


def test_lookup_hash_depends_on_hash_key_only():
    value = '13812345678'
    assert FieldCipher(KEY, hash_key=OTHER_KEY).lookup_hash(value) == FieldCipher(OTHER_KEY).lookup_hash(value)
    assert FieldCipher(KEY, hash_key=OTHER_KEY).lookup_hash(value) != FieldCipher(KEY).lookup_hash(value)


def test_lookup_hash_is_exact_so_callers_normalise_first(cipher):
    assert cipher.lookup_hash('11010519491231002x') != cipher.lookup_hash('11010519491231002X')
    assert cipher.lookup_hash(normalise_resident_id(' 11010519491231002x')) == cipher.lookup_hash('11010519491231002X')


def test_lookup_hash_is_not_a_plain_hash(cipher):
    assert cipher.lookup_hash('13812345678') != hashlib.sha256(b'13812345678').hexdigest()


@given(st.text())
def test_any_text_round_trips_and_hashes_consistently(text):
    cipher = FieldCipher(KEY)
    assert cipher.decrypt(cipher.encrypt(text)) == text
    assert cipher.lookup_hash(text) == cipher.lookup_hash(text)
