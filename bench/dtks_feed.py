"""Writes a realistic DTKS-style feed (DOMAIN.md "DTKS-style feed") of any size, and a truth file.

    .venv/bin/python -m bench.dtks_feed --rows 1000000 --seed 7 --out /tmp/dtks.csv
    # also writes /tmp/dtks.truth.csv: id_dtks,person_key,household_key,defects,outcome

Households of 1–8 people (head, spouse, children, now and then a parent or grandchild) in villages
of the chosen provinces (default 63 Kalimantan Selatan, 64 Kalimantan Timur), with Indonesian (often
Banjar) names, titles on some older people, a KK number per household, and NIKs consistent with the
district of registration, birth date (+40 on the day for women) and sex. Desil is skewed to 1–4 as
in DTKS. Formats vary as in real exports: `kode_wilayah` with dots (70 %) or without, `tanggal_lahir`
as YYYY-MM-DD (80 %) or DD-MM-YYYY, `jenis_kelamin` as L/P (60 %) or 1/2. One extra column,
`pekerjaan`, lands in the person's attributes. The same --seed always gives the same file.

Dirty rows, each drawn independently per row (so a row can carry several), as shares of the
clean rows:

| defect       | share | what it is                                         | importer outcome             |
|--------------|-------|----------------------------------------------------|------------------------------|
| name_typo    | 3 %   | two letters swapped, one dropped or doubled         | lands (matching finds it)    |
| nik_missing  | 4 %   | nomor_nik empty                                    | lands                        |
| nik_invalid  | 2 %   | 15 digits, a day or month that is no date, serial  | lands without NIK, warning   |
|              |       | 0000, or spreadsheet notation (6.37101E+15)        |                              |
| date_swapped | 1.5 % | day and month of tanggal_lahir swapped (day ≠ month)| day > 12: rejected; else     |
|              |       |                                                    | lands, warning if NIK valid  |
| date_missing | 1 %   | tanggal_lahir empty                                | lands (date from the NIK)    |
| bad_region   | 0.5 % | kode_wilayah that is no Kemendagri code            | rejected                     |
| nama_missing | 0.2 % | nama empty                                         | rejected                     |
| bad_desil    | 0.2 % | desil 0 or 11                                      | rejected                     |
| duplicate    | 2 %   | an extra row: the same person under another        | lands (matching finds it)    |
|              |       | id_dtks, often with a name typo or a title, a      |                              |
|              |       | missing NIK or another address spelling             |                              |

With the defaults 95.9 % of the rows land clean, 2.4 % land with a warning and 1.8 % are rejected
(1,000,000 rows, seed 7: 958,227 / 23,890 / 17,883).
The truth file gives, for every id_dtks, the true person (`person_key`: the same key for a person
and their duplicates), the household, the defects drawn, and the outcome the import contract
implies (`ok`, `warning` or `rejected`): the answer key for the import tests and for matching.
"""

import argparse
import csv
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

WILAYAH = Path(__file__).resolve().parent.parent / "services" / "registry" / "data" / "wilayah.csv"
HEADER = [
    "id_dtks",
    "nomor_nik",
    "nomor_kk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "hubungan_keluarga",
    "nama_ibu_kandung",
    "alamat",
    "rt",
    "rw",
    "kode_wilayah",
    "desil",
    "status_disabilitas",
    "pekerjaan",
]
SHARES = {
    "name_typo": 0.03,
    "nik_missing": 0.04,
    "nik_invalid": 0.02,
    "date_swapped": 0.015,
    "date_missing": 0.01,
    "bad_region": 0.005,
    "nama_missing": 0.002,
    "bad_desil": 0.002,
    "duplicate": 0.02,
}
MALE = (
    "Muhammad Ahmad Abdul Rahmat Budi Agus Hendra Rudi Yusuf Ali Fauzi Hasan Husin Syarifuddin Arif Hadi "
    "Iwan Joko Slamet Bambang Darmawan Fajar Rizky Aditya Gusti Irfan Junaidi Mahmud Nurdin Samsul Taufik "
    "Wahyu Zainal Saiful Anang Udin Supriadi Herman Rahman Ridwan Akhmad Syamsul Rusdi Ibrahim Ismail "
    "Hamdan Khairul Fahmi Riduan Jumberi Mukhlis Amat Saleh Sulaiman Yani Hairil Noor Rizal Dedi Eko"
).split()
FEMALE = (
    "Siti Nur Rahmah Fatimah Aisyah Dewi Sri Rina Yuliana Noor Masitah Halimah Salmah Jamilah Norhayati "
    "Rusmini Sarah Putri Wulan Indah Lestari Ani Erna Ratna Mariani Hamidah Khadijah Zubaidah Nurul Fitri "
    "Maya Nadia Intan Utami Kartini Rosmawati Saidah Aminah Juwita Galuh Diang Masniah Jumiati Hairani "
    "Mahmudah Noorjannah Raudah Syarifah Isnawati Sumiati Lailatul Rabiatul Wardah Yuni Herlina Normasari"
).split()
MALE_LAST = (
    "Rahman Hidayat Saputra Santoso Setiawan Pratama Wijaya Kurniawan Hakim Effendi Nugroho Susanto "
    "Maulana Ramadhan Firdaus Anwar Syahrani Hamdani Fadillah Rahmadi Arsyad Aziz Gazali Maulidi"
).split()
FEMALE_LAST = (
    "Hasanah Rahmawati Lestari Wati Yanti Sari Ningsih Fitriani Aulia Safitri Handayani Wahyuni "
    "Rahmadani Maulida Zahra Noviana Agustina Hayati Jannah Marlina"
).split()
STREETS = [
    "Pramuka",
    "A. Yani",
    "Sultan Adam",
    "Veteran",
    "Kelayan",
    "Pekapuran",
    "Sungai Andai",
    "Handil Bakti",
    "Trikora",
    "Gatot Subroto",
    "Pangeran Antasari",
    "Cempaka",
    "Teluk Dalam",
]
JOBS = [
    "Petani",
    "Nelayan",
    "Buruh Harian Lepas",
    "Pedagang",
    "Tidak Bekerja",
    "Mengurus Rumah Tangga",
    "Pelajar",
    "Wiraswasta",
    "Pekebun",
    "Sopir",
]
DISABILITIES = ["Tuna Netra", "Tuna Rungu", "Tuna Daksa", "Disabilitas Mental", "Tuna Wicara"]
DECILE_WEIGHTS = [22, 20, 17, 14, 9, 6, 5, 3, 2, 2]
TODAY = date(2025, 7, 1)  # fixed (and past), so that the same seed gives the same file on any day


@dataclass
class Village:
    code: str
    district: str
    regency_name: str


def load_villages(provinces: list[str]) -> tuple[list[Village], dict[str, list[str]]]:
    regencies: dict[str, str] = {}
    villages: list[Village] = []
    districts: dict[str, list[str]] = {}
    with WILAYAH.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, level = row["code"], row["level"]
            if code[:2] not in provinces:
                continue
            if level == "regency":
                regencies[code] = row["name"].removeprefix("Kabupaten ").removeprefix("Kota ")
            elif level == "district":
                districts.setdefault(code[:2], []).append(code)
            elif level == "village":
                villages.append(Village(code, code[:8], regencies.get(code[:5], "")))
    if not villages:
        raise SystemExit(f"no villages for provinces {provinces}")
    return villages, districts


@dataclass
class Person:
    key: str
    household: str
    name: str
    sex: str
    born: date
    relationship: str
    mother: str
    nik: str
    birth_place: str
    job: str


class Feed:
    def __init__(self, seed: int, provinces: list[str]):
        self.rng = random.Random(seed)
        self.villages, self.districts = load_villages(provinces)
        self.serials: dict[tuple[str, date, str], int] = {}
        self.kk_serials: dict[tuple[str, date], int] = {}
        self.next_id = 0
        self.next_person = 0
        self.next_household = 0

    # ---- clean data
    def name(self, sex: str, age: int) -> str:
        rng = self.rng
        first = rng.choice(MALE if sex == "M" else FEMALE)
        parts = [first]
        if rng.random() < 0.55:
            parts.append(rng.choice(MALE if sex == "M" else FEMALE))
        if rng.random() < 0.45:
            parts.append(rng.choice(MALE_LAST if sex == "M" else FEMALE_LAST))
        if len(parts) > 1 and parts[0] == parts[1]:
            del parts[1]
        full = " ".join(parts)
        if age >= 50 and rng.random() < 0.12:
            full = ("H. " if sex == "M" else "Hj. ") + full
        elif age >= 25 and rng.random() < 0.03:
            full += rng.choice([", S.Pd", ", S.E", ", A.Md"])
        return full

    def nik(self, district: str, born: date, sex: str) -> str:
        key = (district, born, sex)
        serial = self.serials.get(key, 0) + 1
        self.serials[key] = serial
        day = born.day + (40 if sex == "F" else 0)
        return f"{district.replace('.', '')}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"

    def kk(self, district: str) -> str:
        issued = TODAY - timedelta(days=self.rng.randrange(365 * 20))
        key = (district, issued)
        serial = self.kk_serials.get(key, 0) + 1
        self.kk_serials[key] = serial
        digits = district.replace(".", "")
        return f"{digits}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"

    def birth(self, age: int) -> date:
        return TODAY - timedelta(days=age * 365 + self.rng.randrange(365))

    def household(self) -> tuple[Village, list[Person], str, str, str, str]:
        rng = self.rng
        village = rng.choice(self.villages)
        self.next_household += 1
        hh = f"H{self.next_household}"
        members: list[Person] = []

        def add(sex: str, age: int, relationship: str, mother: str) -> Person:
            self.next_person += 1
            born = self.birth(age)
            district = village.district
            if rng.random() < 0.1:  # registered elsewhere in the province, then moved here
                district = rng.choice(self.districts[village.code[:2]])
            person = Person(
                key=f"P{self.next_person}",
                household=hh,
                name=self.name(sex, age),
                sex=sex,
                born=born,
                relationship=relationship,
                mother=mother,
                nik=self.nik(district, born, sex),
                birth_place=village.regency_name,
                job="Pelajar" if age < 18 else rng.choice(JOBS),
            )
            members.append(person)
            return person

        head_sex = "M" if rng.random() < 0.85 else "F"
        head_age = rng.randint(22, 78)
        head = add(head_sex, head_age, "1", self.name("F", head_age + 25))
        mother_of_children = head.name if head_sex == "F" else ""
        if head_sex == "M" and rng.random() < 0.82:
            spouse_age = max(18, head_age + rng.randint(-10, 3))
            spouse = add("F", spouse_age, "2", self.name("F", spouse_age + 25))
            mother_of_children = spouse.name
        for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4, 5])):
            age = rng.randint(0, max(0, min(head_age - 18, 30)))
            add(rng.choice("MF"), age, "3", mother_of_children or self.name("F", 45))
        if rng.random() < 0.06:
            age = min(95, head_age + rng.randint(20, 30))
            add(rng.choice("MF"), age, "6", self.name("F", age + 25))
        if rng.random() < 0.04 and head_age > 50:
            add(rng.choice("MF"), rng.randint(0, 10), "5", self.name("F", 30))
        address = f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 250)}"
        if rng.random() < 0.3:
            address += f" Gg. {rng.choice(['Mawar', 'Melati', 'Rahmat', 'Keluarga', 'Hidayah'])}"
        kk = self.kk(village.district)
        rt, rw = f"{rng.randint(1, 40):03d}", f"{rng.randint(1, 12):03d}"
        return village, members, kk, address, rt, rw

    def new_id(self, province: str) -> str:
        self.next_id += 1
        return f"{province}{self.next_id:010d}"

    # ---- dirt
    def typo(self, name: str) -> str:
        rng = self.rng
        letters = list(name)
        positions = [i for i, c in enumerate(letters[:-1]) if c.isalpha() and letters[i + 1].isalpha()]
        if not positions:
            return name
        i = rng.choice(positions)
        kind = rng.random()
        if kind < 0.4:
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        elif kind < 0.7:
            del letters[i]
        else:
            letters.insert(i, letters[i])
        return "".join(letters)

    def invalid_nik(self, nik: str) -> str:
        kind = self.rng.randrange(4)
        if kind == 0:
            return nik[:15]
        if kind == 1:
            return nik[:8] + "13" + nik[10:]  # month 13
        if kind == 2:
            return nik[:12] + "0000"
        return f"{int(nik[:6]) / 10**5:.5f}E+15"  # what a spreadsheet shows

    def rows(self, count: int) -> Iterator[tuple[list[str], list[str]]]:
        """(feed row, truth row) pairs until `count` feed rows."""
        rng = self.rng
        made = 0
        while made < count:
            village, members, kk, address, rt, rw = self.household()
            decile = rng.choices(range(1, 11), DECILE_WEIGHTS)[0]
            for person in members:
                if made >= count:
                    return
                yield self.row(person, village, kk, address, rt, rw, decile, duplicate=False)
                made += 1
                if made < count and rng.random() < SHARES["duplicate"]:
                    yield self.row(person, village, kk, address, rt, rw, decile, duplicate=True)
                    made += 1

    def row(
        self,
        person: Person,
        village: Village,
        kk: str,
        address: str,
        rt: str,
        rw: str,
        decile: int,
        *,
        duplicate: bool,
    ) -> tuple[list[str], list[str]]:
        rng = self.rng
        defects: list[str] = ["duplicate"] if duplicate else []
        name, nik, born, region = person.name, person.nik, person.born, village.code
        if duplicate:  # the same person as another office entered them
            if rng.random() < 0.5:
                name = self.typo(name)
            if rng.random() < 0.2:
                name = ("H. " if person.sex == "M" else "Hj. ") + name
            if rng.random() < 0.3:
                nik = ""
            address = address.replace("Jl.", "Jalan").replace("No.", "Nomor")
        for defect in ("name_typo", "nik_missing", "nik_invalid", "date_swapped", "date_missing"):
            if rng.random() < SHARES[defect] and (nik or not defect.startswith("nik")):
                defects.append(defect)
        if "name_typo" in defects:
            name = self.typo(name)
        nik_valid = bool(nik)
        if "nik_missing" in defects:
            nik, nik_valid = "", False
        elif "nik_invalid" in defects:
            nik, nik_valid = self.invalid_nik(nik), False
        date_text = born.isoformat() if rng.random() < 0.8 else born.strftime("%d-%m-%Y")
        outcome = "ok"
        if "date_swapped" in defects:
            if born.day == born.month:
                defects.remove("date_swapped")
            else:
                day, month = born.month, born.day
                if month > 12:
                    date_text = f"{born.year:04d}-{month:02d}-{day:02d}"
                    outcome = "rejected"
                else:
                    date_text = date(born.year, month, day).isoformat()
                    if nik_valid:
                        outcome = "warning"
        if "date_missing" in defects:
            date_text = ""
            if outcome == "warning":
                outcome = "ok"
            if outcome == "rejected":
                outcome = "ok"
        if "nik_invalid" in defects and "nik_missing" not in defects and outcome != "rejected":
            outcome = "warning"
        region_text = region if rng.random() < 0.7 else region.replace(".", "")
        if rng.random() < SHARES["bad_region"]:
            defects.append("bad_region")
            region_text = region[:9] + "9999" if "." in region_text else region.replace(".", "")[:6] + "9999"
            outcome = "rejected"
        if rng.random() < SHARES["nama_missing"]:
            defects.append("nama_missing")
            name = ""
            outcome = "rejected"
        decile_text = str(decile)
        if rng.random() < SHARES["bad_desil"]:
            defects.append("bad_desil")
            decile_text = rng.choice(["0", "11"])
            outcome = "rejected"
        if rng.random() < 0.6:
            sex_text = "L" if person.sex == "M" else "P"
        else:
            sex_text = "1" if person.sex == "M" else "2"
        disability = rng.choice(DISABILITIES) if rng.random() < 0.03 else ""
        id_dtks = self.new_id(village.code[:2])
        feed = [
            id_dtks,
            nik,
            kk,
            name,
            person.birth_place,
            date_text,
            sex_text,
            person.relationship,
            person.mother,
            address,
            rt,
            rw,
            region_text,
            decile_text,
            disability,
            person.job,
        ]
        truth = [id_dtks, person.key, person.household, "|".join(defects), outcome]
        return feed, truth


def write_feed(path: Path, rows: int, *, seed: int = 7, provinces: list[str] | None = None) -> Path:
    """Writes the feed to `path` and the truth file beside it; returns the truth file's path."""
    feed = Feed(seed, provinces or ["63", "64"])
    truth_path = path.with_name(path.stem + ".truth.csv")
    with path.open("w", newline="", encoding="utf-8") as out, truth_path.open("w", newline="") as truth:
        writer, truth_writer = csv.writer(out), csv.writer(truth)
        writer.writerow(HEADER)
        truth_writer.writerow(["id_dtks", "person_key", "household_key", "defects", "outcome"])
        for feed_row, truth_row in feed.rows(rows):
            writer.writerow(feed_row)
            truth_writer.writerow(truth_row)
    return truth_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--provinces", default="63,64", help="comma-separated province codes")
    parser.add_argument("--out", type=Path, default=Path("dtks.csv"))
    args = parser.parse_args()
    started = time.perf_counter()
    truth = write_feed(args.out, args.rows, seed=args.seed, provinces=args.provinces.split(","))
    print(
        f"wrote {args.rows:,} rows to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) and {truth} "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
