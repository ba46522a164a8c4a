"""Problem titles (and the generic details) in Bahasa Indonesia for callers who ask for it with
`Accept-Language: id`: officers read Indonesian. Field names in `errors` stay as they are."""

import json

from shared.errors import PROBLEM_BASE

# By problem type (the part after PROBLEM_BASE). A type missing here keeps its English title.
TITLES_ID = {
    "bad-request": "Permintaan tidak valid",
    "not-found": "Tidak ditemukan",
    "unauthorized": "Perlu autentikasi",
    "forbidden": "Tidak diizinkan",
    "conflict": "Konflik dengan data yang ada",
    "precondition-failed": "Data telah berubah sejak Anda membacanya",
    "precondition-required": "Header If-Match diperlukan",
    "validation-error": "Masukan tidak valid",
    "payload-too-large": "Isi permintaan terlalu besar",
    "internal-error": "Kesalahan internal",
    "http-404": "Tidak ditemukan",
    "http-405": "Metode tidak diizinkan",
    "duplicate-nik": "NIK ini sudah terdaftar",
    "duplicate-kk": "Nomor KK ini sudah terdaftar",
    "already-in-household": "Orang ini sudah menjadi anggota keluarga lain",
    "household-head": "Satu keluarga memiliki tepat satu kepala keluarga",
    "already-assessed": "Orang ini sudah memiliki asesmen aktif untuk jenis ini",
    "psks-role-held": "Orang ini sudah memegang peran ini",
    "institution-full": "Panti sudah penuh",
    "already-admitted": "Orang ini sedang tinggal di panti lain",
    "already-discharged": "Klien sudah keluar dari panti",
    "insufficient-stock": "Stok tidak mencukupi",
    "idempotency-key-reused": "Idempotency-Key dipakai untuk permintaan lain",
}
# Details that do not depend on the case, in Indonesian.
DETAILS_ID = {
    "unauthorized": "Kirim header `Authorization: Bearer <token>` yang sah.",
    "internal-error": "Terjadi kesalahan di sisi kami; header X-Request-ID membantu kami menelusurinya.",
    "validation-error": "Periksa kolom berikut: {fields}",
}


def wants_indonesian(accept_language: str | None) -> bool:
    """True when Indonesian ranks above English in Accept-Language (q-values honoured)."""
    if not accept_language:
        return False
    ranked = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith(("id", "in")):
            return True
        if tag.startswith("en") or tag == "*":
            return False
    return False


def localise(problem: bytes) -> bytes:
    """A problem+json body with its title (and generic detail) in Indonesian."""
    body = json.loads(problem)
    kind = str(body.get("type", "")).removeprefix(PROBLEM_BASE)
    body["title"] = TITLES_ID.get(kind, body.get("title"))
    if kind in DETAILS_ID:
        fields = ", ".join(dict.fromkeys(e["field"] for e in body.get("errors") or []))
        body["detail"] = DETAILS_ID[kind].format(fields=fields)
    return json.dumps(body).encode()
