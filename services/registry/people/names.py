"""Indonesian names as people write them: titles before and after the name (H., Hj., Drs., S.Pd),
and several spellings of the same name (Muhammad, Muhamad, Mohammad, M.). Searching and matching
compare the normalised form."""

import re
import unicodedata

# Academic, religious and professional titles; compared without dots, so "S.Pd." and "SPd" are one.
TITLES = frozenset(
    {
        "h",
        "hj",
        "haji",
        "hajjah",
        "kh",
        "ust",
        "ustadz",
        "ustadzah",
        "drs",
        "dra",
        "dr",
        "ir",
        "prof",
        "spd",
        "spdi",
        "sag",
        "sh",
        "se",
        "ssos",
        "skm",
        "skep",
        "st",
        "sip",
        "sikom",
        "mm",
        "mpd",
        "msi",
        "mh",
        "amd",
        "ak",
        "bsc",
        "ba",
        "ma",
        "msc",
        "phd",
        "ssi",
        "sp",
        "apt",
        "ners",
        "mt",
        "mkes",
        "akbp",
    }
)
# Spellings of one name, mapped to one form.
VARIANTS = {
    "muhammad": "muhammad",
    "muhamad": "muhammad",
    "muhammed": "muhammad",
    "mohammad": "muhammad",
    "mohamad": "muhammad",
    "mohammed": "muhammad",
    "mochammad": "muhammad",
    "mochamad": "muhammad",
    "muchammad": "muhammad",
    "muchamad": "muhammad",
    "moh": "muhammad",
    "muh": "muhammad",
    "mhd": "muhammad",
    "moch": "muhammad",
    "m": "muhammad",
    "abdul": "abdul",
    "abd": "abdul",
    "nur": "nur",
    "noor": "nur",
    "nor": "nur",
    "siti": "siti",
    "sitti": "siti",
    "st": "siti",
    "achmad": "ahmad",
    "akhmad": "ahmad",
    "ahmad": "ahmad",
    "ahmat": "ahmad",
    "yusuf": "yusuf",
    "yusup": "yusuf",
    "jusuf": "yusuf",
    "rahman": "rahman",
    "rachman": "rahman",
    "fatimah": "fatimah",
    "fatima": "fatimah",
    "syarifah": "syarifah",
    "sarifah": "syarifah",
    "syaripah": "syarifah",
}
_TOKEN = re.compile(r"[a-z]+")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def normalise(name: str) -> str:
    """`Hj. Siti  Fatimah, S.Pd.` → `siti fatimah`; `M. Yusup` → `muhammad yusuf`."""
    # Degrees follow the name after a comma ("Ahmad, S.Pd., M.Si"): drop everything after it.
    main = _ascii(name).split(",", 1)[0]
    words = []
    for raw in main.split():
        dotted = "." in raw.strip(".")  # "s.t." is a degree; "st." may be Siti
        word = "".join(_TOKEN.findall(raw))
        if not word or (word in TITLES and (dotted or word != "st")):
            continue
        words.append(word)
    if not words:  # only titles: keep what was written rather than nothing
        words = _TOKEN.findall(main)
    return " ".join(VARIANTS.get(w, w) for w in words)
