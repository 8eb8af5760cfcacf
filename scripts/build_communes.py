"""Build the packaged commune directory from the ``vietnamadminunits`` dataset.

Why a build step: the upstream package drags in shapely, geopy and friends and
ships a 7 MB SQLite file, while the bot only needs ~3,300 short rows. We extract
once, commit the small CSVs under ``bot/domain/units/data/`` and keep the runtime free
of the upstream dependency. Re-run after upgrading the upstream package:

    .venv/bin/python scripts/build_communes.py            # writes the CSVs
    .venv/bin/python scripts/build_communes.py --check    # verify only

The unit type is taken from the official name prefix ("Phường ", "Xã ",
"Đặc khu ") rather than from the ``wardType`` column, because upstream 1.0.4 has
four rows where the two disagree and the names match GSO's published list
(see NOTICE.md). The script prints every such disagreement so a future upstream
fix (or regression) is visible.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

UPSTREAM = "vietnamadminunits"
EXPECTED_VERSION = "1.0.4"

# Post-1 July 2025 totals published with the reform (GSO/Ministry of Home Affairs).
EXPECTED_PROVINCES = 34
EXPECTED_TYPES = {"xa": 2621, "phuong": 687, "dac_khu": 13}

TYPE_PREFIXES = {"Phường ": "phuong", "Xã ": "xa", "Đặc khu ": "dac_khu"}
UPSTREAM_TYPES = {"Phường": "phuong", "Xã": "xa", "Đặc khu": "dac_khu"}

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bot" / "domain" / "units" / "data"

COMMUNE_COLUMNS = [
    "code",
    "name",
    "short_name",
    "type",
    "province_code",
    "province_name",
    "province_short",
    "lat",
    "lon",
]
PROVINCE_COLUMNS = ["code", "name", "short_name", "former_provinces"]


def upstream_data_dir() -> Path:
    """Locate the upstream data folder without importing the package (shapely is slow)."""
    spec = importlib.util.find_spec(UPSTREAM)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{UPSTREAM} is not installed; pip install {UPSTREAM}=={EXPECTED_VERSION}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def type_from_name(name: str) -> str:
    for prefix, kind in TYPE_PREFIXES.items():
        if name.startswith(prefix):
            return kind
    raise ValueError(f"unit name without a known type prefix: {name!r}")


def read_communes(db: sqlite3.Connection) -> tuple[list[dict[str, str]], list[str]]:
    """Return commune rows sorted by code, plus human-readable warnings."""
    warnings: list[str] = []
    rows = db.execute(
        "SELECT wardCode, ward, wardShort, wardType, provinceCode, province, provinceShort,"
        " wardLat, wardLon FROM admin_units"
    ).fetchall()
    out: list[dict[str, str]] = []
    for code, name, short, up_type, pcode, pname, pshort, lat, lon in rows:
        kind = type_from_name(name)
        if UPSTREAM_TYPES[up_type] != kind:
            warnings.append(
                f"{code} {name} ({pname}): upstream wardType={up_type!r}, name says {kind!r};"
                " using the name"
            )
        if len(code) != 5 or not code.isdigit() or len(pcode) != 2 or not pcode.isdigit():
            raise ValueError(f"unexpected code shape: {code!r} / {pcode!r}")
        if lat is None or lon is None:
            raise ValueError(f"{code} {name} has no coordinates")
        if not (8.0 <= lat <= 24.0 and 102.0 <= lon <= 118.0):
            warnings.append(f"{code} {name}: point {lat},{lon} outside Vietnam's bounding box")
        expected_short = name.split(" ", 2 if kind == "dac_khu" else 1)[-1]
        if short != expected_short:
            warnings.append(f"{code} {name}: short name {short!r} != {expected_short!r}")
        out.append(
            {
                "code": code,
                "name": name,
                "short_name": short,
                "type": kind,
                "province_code": pcode,
                "province_name": pname,
                "province_short": pshort,
                "lat": repr(float(lat)),
                "lon": repr(float(lon)),
            }
        )
    out.sort(key=lambda r: r["code"])
    return out, warnings


def read_provinces(db: sqlite3.Connection, data_dir: Path) -> list[dict[str, str]]:
    """New provinces with the pre-2025 provinces merged into them.

    Former names matter because people will keep writing "Thủ Dầu Một, Bình
    Dương" for years; the search maps them onto the new province.
    """
    current = db.execute(
        "SELECT DISTINCT provinceCode, province, provinceShort, provinceKey FROM admin_units"
    ).fetchall()
    legacy_by_key = {
        key: name
        for key, name in db.execute(
            "SELECT DISTINCT provinceKey, province FROM admin_units_legacy"
        ).fetchall()
    }
    merges = json.loads((data_dir / "converter_2025.json").read_text("utf-8"))["DICT_PROVINCE"]
    out = []
    for code, name, short, key in sorted(current):
        former = sorted(
            legacy_by_key[k] for k in merges.get(key, []) if legacy_by_key.get(k) != name
        )
        out.append(
            {"code": code, "name": name, "short_name": short, "former_provinces": "|".join(former)}
        )
    return out


def verify(communes: list[dict[str, str]], provinces: list[dict[str, str]]) -> list[str]:
    problems = []
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    kinds = Counter(r["type"] for r in communes)
    if dict(kinds) != EXPECTED_TYPES:
        problems.append(f"type split {dict(kinds)}, expected {EXPECTED_TYPES}")
    codes = [r["code"] for r in communes]
    if len(set(codes)) != len(codes):
        problems.append("duplicate commune codes")
    return problems


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify only, write nothing")
    args = parser.parse_args(argv)

    version = importlib.metadata.version(UPSTREAM)
    if version != EXPECTED_VERSION:
        print(f"note: {UPSTREAM} {version} installed, NOTICE.md documents {EXPECTED_VERSION}")
    data_dir = upstream_data_dir()
    with sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True) as db:
        communes, warnings = read_communes(db)
        provinces = read_provinces(db, data_dir)

    for w in warnings:
        print(f"warning: {w}")
    problems = verify(communes, provinces)
    kinds = Counter(r["type"] for r in communes)
    print(
        f"{len(provinces)} provinces, {len(communes)} communes: "
        + ", ".join(f"{k}={kinds[k]}" for k in EXPECTED_TYPES)
    )
    for p in problems:
        print(f"MISMATCH: {p}")
    if not args.check:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        write_csv(OUT_DIR / "communes.csv", COMMUNE_COLUMNS, communes)
        write_csv(OUT_DIR / "provinces.csv", PROVINCE_COLUMNS, provinces)
        print(f"wrote {OUT_DIR.relative_to(ROOT)}/communes.csv and provinces.csv")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
