import pytest

from bot.core.keyring import DecryptionError, Keyring


def test_pseudonym_is_stable_and_hides_the_id(keyring: Keyring) -> None:
    first = keyring.pseudonym("chat", 987654321)
    assert first == keyring.pseudonym("chat", 987654321)
    assert "987654321" not in first


def test_pseudonym_depends_on_the_secret_and_the_kind(keyring: Keyring) -> None:
    other = Keyring(b"another-secret-another-secret-another-secret")
    assert keyring.pseudonym("chat", 42) != other.pseudonym("chat", 42)
    assert keyring.pseudonym("chat", 42) != keyring.pseudonym("user", 42)


def test_sealed_json_round_trips_and_hides_the_plaintext(keyring: Keyring) -> None:
    sealed = keyring.seal_json({"chat_id": 987654321}, b"outbox")
    assert b"987654321" not in sealed
    assert keyring.open_json(sealed, b"outbox") == {"chat_id": 987654321}


def test_sealed_data_cannot_be_opened_in_another_context(keyring: Keyring) -> None:
    sealed = keyring.seal_json({"chat_id": 1}, b"outbox")
    with pytest.raises(DecryptionError):
        keyring.open_json(sealed, b"inbox")


def test_altered_ciphertext_is_refused(keyring: Keyring) -> None:
    sealed = bytearray(keyring.encrypt(b"hello"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        keyring.decrypt(bytes(sealed))
