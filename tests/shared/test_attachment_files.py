"""What a file is judged to be, what it is called when served, and where it may be stored: the parts
of attachments that need no service."""

from pathlib import Path

import pytest

from shared.attachments import clean_filename, content_disposition, sniff
from shared.storage import LocalStorage, StoredFileMissing


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8L", "image/webp"),
        (b"%PDF-1.4\n", "application/pdf"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),  # a RIFF that is sound, not WebP
        (b"\xff\xd8", None),  # too short to be a JPEG
        (b"<svg xmlns=", None),  # SVG can carry script: not accepted
        (b"%!PS-Adobe", None),
    ],
)
def test_the_first_bytes_decide(head: bytes, media_type: str | None) -> None:
    assert sniff(head) == media_type


@pytest.mark.parametrize(
    ("sent", "media_type", "kept"),
    [
        ("C:\\Users\\tagana\\DCIM\\IMG_0001.JPG", "image/jpeg", "IMG_0001.jpg"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("tanda tangan\r\nSet-Cookie: x.png", "image/png", "tanda tanganSet-Cookie: x.png"),
        ("", "image/webp", "attachment.webp"),
        (None, "image/jpeg", "attachment.jpg"),
        ("foto.php.jpg", "image/png", "foto.php.png"),
    ],
)
def test_a_file_keeps_a_harmless_name_with_the_extension_of_what_it_is(
    sent: str | None, media_type: str, kept: str
) -> None:
    assert clean_filename(sent, media_type) == kept


def test_a_name_in_other_letters_is_served_in_utf8_beside_an_ascii_fallback() -> None:
    assert content_disposition('bukti "Ibu" Sri.jpg') == (
        "attachment; filename=\"bukti Ibu Sri.jpg\"; filename*=UTF-8''bukti%20%22Ibu%22%20Sri.jpg"
    )
    assert (
        content_disposition("写真.jpg")
        == "attachment; filename=\"attachment.jpg\"; filename*=UTF-8''%E5%86%99%E7%9C%9F.jpg"
    )


async def test_the_local_store_keeps_files_under_its_folder(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    await store.put("disaster/victim/1/2", b"%PDF-1.7", "application/pdf")
    assert await store.get("disaster/victim/1/2") == b"%PDF-1.7"
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == ["2"]  # no temporary left
    with pytest.raises(StoredFileMissing):
        await store.get("disaster/victim/1/3")
    for bad in ("../outside", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError, match="not a storage key"):
            await store.put(bad, b"x", "image/png")
    assert not (tmp_path / "outside").exists()
