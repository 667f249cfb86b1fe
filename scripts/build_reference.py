"""Build the package copy of the division codes with a precomputed English name.

    .venv/bin/python scripts/build_reference.py [SOURCE_CSV]

Reads the National Bureau of Statistics 2023 division list (default
``../shared/reference/admin_divisions_2023.csv``; columns code,name,level,parent_code) and writes
``grassroots/reference/admin_divisions_2023.csv`` with one more column, ``name_en``: the English
name of the division ("Lixia District", "Jinan City", "Shandong Province").

pypinyin is a development dependency used only here, so the running program needs no pypinyin
(and never reads ../shared). Re-run this after changing the source list or the rules below.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "admin_divisions_2023.csv"
TARGET = ROOT / "grassroots" / "reference" / "admin_divisions_2023.csv"

# Provinces have settled English names that pinyin would get wrong (Shaanxi, Inner Mongolia, Tibet).
PROVINCES_EN = {
    "11": "Beijing Municipality",
    "12": "Tianjin Municipality",
    "13": "Hebei Province",
    "14": "Shanxi Province",
    "15": "Inner Mongolia Autonomous Region",
    "21": "Liaoning Province",
    "22": "Jilin Province",
    "23": "Heilongjiang Province",
    "31": "Shanghai Municipality",
    "32": "Jiangsu Province",
    "33": "Zhejiang Province",
    "34": "Anhui Province",
    "35": "Fujian Province",
    "36": "Jiangxi Province",
    "37": "Shandong Province",
    "41": "Henan Province",
    "42": "Hubei Province",
    "43": "Hunan Province",
    "44": "Guangdong Province",
    "45": "Guangxi Zhuang Autonomous Region",
    "46": "Hainan Province",
    "50": "Chongqing Municipality",
    "51": "Sichuan Province",
    "52": "Guizhou Province",
    "53": "Yunnan Province",
    "54": "Tibet Autonomous Region",
    "61": "Shaanxi Province",
    "62": "Gansu Province",
    "63": "Qinghai Province",
    "64": "Ningxia Hui Autonomous Region",
    "65": "Xinjiang Uygur Autonomous Region",
}

# Longest suffix first, so 自治县 wins over 县 and 林区 over 区.
SUFFIXES = (
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("自治州", "Autonomous Prefecture"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("新区", "New Area"),
    ("地区", "Prefecture"),
    ("矿区", "Mining District"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("省", "Province"),
)

# The ethnic groups that name autonomous areas; a few have established English names.
ETHNIC_EN = {
    "蒙古": "Mongol",
    "回": "Hui",
    "藏": "Tibetan",
    "维吾尔": "Uygur",
    "苗": "Miao",
    "彝": "Yi",
    "壮": "Zhuang",
    "布依": "Bouyei",
    "朝鲜": "Korean",
    "满": "Manchu",
    "侗": "Dong",
    "瑶": "Yao",
    "白": "Bai",
    "土家": "Tujia",
    "哈尼": "Hani",
    "哈萨克": "Kazak",
    "傣": "Dai",
    "黎": "Li",
    "傈僳": "Lisu",
    "佤": "Va",
    "畲": "She",
    "拉祜": "Lahu",
    "水": "Shui",
    "东乡": "Dongxiang",
    "纳西": "Naxi",
    "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz",
    "土": "Tu",
    "达斡尔": "Daur",
    "仫佬": "Mulao",
    "羌": "Qiang",
    "布朗": "Blang",
    "撒拉": "Salar",
    "毛南": "Maonan",
    "仡佬": "Gelao",
    "锡伯": "Xibe",
    "阿昌": "Achang",
    "普米": "Pumi",
    "塔吉克": "Tajik",
    "怒": "Nu",
    "鄂温克": "Ewenki",
    "德昂": "De'ang",
    "保安": "Bonan",
    "裕固": "Yugur",
    "京": "Gin",
    "独龙": "Derung",
    "鄂伦春": "Oroqen",
    "门巴": "Monba",
    "基诺": "Jino",
    "各": "Multi-ethnic",
}
# Place-name readings pypinyin's everyday dictionary gets wrong (长 is cháng in most place names).
load_single_dict({ord("长"): "cháng,zhǎng", ord("都"): "dū,dōu"})
load_phrases_dict(
    {
        "朝阳": [["cháo"], ["yáng"]],
        "长子": [["zhǎng"], ["zǐ"]],
        "洪洞": [["hóng"], ["tóng"]],
        "珲春": [["hún"], ["chūn"]],
        "涡阳": [["guō"], ["yáng"]],
        "单": [["shàn"]],
        "六安": [["lù"], ["ān"]],
        "蚌埠": [["bèng"], ["bù"]],
    }
)

_ETHNIC_TAIL = re.compile(
    r"^(.+?)((?:(?:" + "|".join(sorted(ETHNIC_EN, key=len, reverse=True)) + r")族)+)$"
)
_ETHNIC_ONE = re.compile("(" + "|".join(sorted(ETHNIC_EN, key=len, reverse=True)) + ")族")


def pinyin_word(chinese: str) -> str:
    """'历下' -> 'Lixia', '西安' -> "Xi'an" (apostrophe before a syllable opening with a, o, e)."""
    syllables = lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=True)
    out = ""
    for i, syl in enumerate(syllables):
        if i and syl[:1] in ("a", "o", "e"):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def english_name(code: str, name: str) -> str:
    if len(code) == 2:
        return PROVINCES_EN[code]
    stem, kind = name, ""
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            stem, kind = name[: -len(zh)], en
            break
    ethnic = ""
    if kind.startswith("Autonomous"):
        match = _ETHNIC_TAIL.match(stem)
        if match:
            stem = match.group(1)
            ethnic = " ".join(ETHNIC_EN[g] for g in _ETHNIC_ONE.findall(match.group(2)))
    parts = [pinyin_word(stem), ethnic, kind]
    return " ".join(p for p in parts if p)


def build(source: Path, target: Path) -> int:
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent_code", "name_en"])
        for row in rows:
            en = english_name(row["code"], row["name"])
            writer.writerow([row["code"], row["name"], row["level"], row["parent_code"], en])
    return len(rows)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    count = build(source, TARGET)
    print(f"wrote {count} divisions to {TARGET.relative_to(ROOT)}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
