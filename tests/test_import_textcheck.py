"""Exports whose bytes are wrong before any row is parsed: an empty file, UTF-16 without its mark, a
UTF-8 mark on GBK text, a UTF-8 file with a GBK line. Each stops the import with exit 2 and a message
naming the lines and the fix (before: "no header found" for the encodings) and leaves the library as it
was. NUL bytes in text reject their rows, wherever they are (before: the whole file refused as "not
text" with no line when they were in its first 256 KB, stored inside names when they were later)."""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import pytest

from chainmap.importer import read_store

from .conftest import run_cli

HEADER = ["企业名称", "统一社会信用代码", "经营范围"]
ROWS = [
    HEADER,
    ["甲催化剂有限公司", "", "甲催化剂的生产"],
    ["乙材料有限公司", "", "乙材料销售"],
    ["丙公司", "", "技术服务"],
]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _lines(rows: list[list[str]]) -> list[bytes]:
    return [line.encode() for line in _csv(rows).split("\r\n")]


def _files(tmp: Path) -> dict[str, bytes]:
    return {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file()}


CASES = {
    # name: (bytes, what the message must say)
    "empty.csv": (b"", ["空文件"]),
    "bom_only.csv": (codecs.BOM_UTF8 + b"\r\n", ["空文件"]),
    "gbk_bom.csv": (codecs.BOM_UTF8 + _csv(ROWS).encode("gbk"), ["BOM", "第1行", "GBK", "另存为 CSV UTF-8"]),
    "mixed.csv": (
        b"\r\n".join([*_lines(ROWS)[:2], _lines(ROWS)[2].decode().encode("gbk"), *_lines(ROWS)[3:]]),
        ["第3行", "混用", "另存为 CSV UTF-8"],
    ),
    "utf16_nobom.csv": (_csv(ROWS).encode("utf-16-le"), ["UTF-16", "BOM", "另存为 CSV UTF-8"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_bytes_are_located_messages_and_change_nothing(mini, tmp_path, name):
    data, says = CASES[name]
    f = tmp_path / name
    f.write_bytes(data)
    before = _files(mini)
    res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01")
    assert res.returncode == 2, res.stdout + res.stderr
    err = res.stderr
    assert "Traceback" not in err and name in err and "找不到表头" not in err, err
    for part in says:
        assert part in err, (part, err)
    assert _files(mini) == before


def test_good_encodings_still_import(mini, tmp_path):
    """The checks leave the encodings the importer reads alone: GBK with no mark, UTF-16 with its mark,
    UTF-8 with and without one."""
    text = _csv(ROWS)
    for name, data in {
        "gbk.csv": text.encode("gbk"),
        "u16.csv": text.encode("utf-16"),
        "u8.csv": text.encode(),
        "u8bom.csv": codecs.BOM_UTF8 + text.encode(),
    }.items():
        f = tmp_path / name
        f.write_bytes(data)
        res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01", "--format", "json")
        assert res.returncode == 0, (name, res.stderr)
        assert '"rows": 3' in res.stdout, (name, res.stdout)


def test_a_binary_file_is_not_text(mini, tmp_path):
    f = tmp_path / "photo.csv"
    f.write_bytes(bytes(range(256)) * 64)
    res = run_cli("--chains", str(mini), "import", str(f))
    assert res.returncode == 2 and "不是文本" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("late", [False, True])
def test_a_nul_rejects_its_row(mini, tmp_path, late):
    """A NUL beyond the first 256 KB reached the stores inside a firm's name (invisible, and a name no
    search finds), one in the first 256 KB refused the file; now its row is rejected naming the column,
    shown as ␀ in the rejects file, and every other row imports."""
    filler = [[f"填充{i}有限公司", "", "日用百货销售"] for i in range(9000)]
    nul = [["甲\x00催化剂有限公司", "", "甲催化剂的生产"], ["乙材料有限公司", "", "乙\x00材料销售"]]
    rows = [HEADER, *filler, *nul] if late else [HEADER, *nul, *filler]
    f = tmp_path / "nul.csv"
    f.write_bytes(_csv(rows).encode())
    assert f.stat().st_size > 256 * 1024 and (b"\x00" in f.read_bytes()[: 256 * 1024]) != late
    res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01", "--format", "json")
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert (got["rows"], got["rejected"], got["imported"]) == (9002, 2, 9000)
    rejects = Path(got["rejects"]).read_text(encoding="utf-8-sig")
    assert "\x00" not in rejects and "甲␀催化剂有限公司" in rejects and "乙␀材料销售" in rejects
    assert "“企业名称”一列含有 NUL 空字符" in rejects and "“经营范围”一列含有 NUL 空字符" in rejects
    names = read_store(got["output"])["name"].tolist()
    assert len(names) == 9000 and not [n for n in names if "\x00" in n or "催化剂" in n]


def test_capitals_in_chinese_numerals_are_imported(mini, tmp_path):
    """壹佰万元 was left empty with a warning that named no row: the officer's figure was lost."""
    rows = [
        ["企业名称", "注册资本", "经营范围"],
        ["甲催化剂有限公司", "壹佰万元", "甲催化剂的生产"],
        ["乙材料有限公司", "五百万美元", "乙材料"],
    ]
    f = tmp_path / "caps.csv"
    f.write_bytes(_csv(rows).encode())
    res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01", "--format", "json")
    assert res.returncode == 0 and not json.loads(res.stdout)["warnings"], res.stdout
    got = read_store(json.loads(res.stdout)["output"]).set_index("name")
    assert (got.loc["甲催化剂有限公司", "capital_value"], got.loc["甲催化剂有限公司", "capital_currency"]) == (
        1e6,
        "CNY",
    )
    assert (got.loc["乙材料有限公司", "capital_value"], got.loc["乙材料有限公司", "capital_currency"]) == (5e6, "USD")


def test_warnings_name_their_rows(mini, tmp_path):
    """A figure left empty was counted (数据问题：成立日期无法识别，已留空 3行) with no row to find it by."""
    rows = [["企业名称", "成立日期", "注册资本", "经营范围"]]
    rows += [
        [f"甲{i}有限公司", "去年" if i % 3 == 0 else "2020-01-01", "很多" if i == 4 else "100万元", "x"]
        for i in range(9)
    ]
    f = tmp_path / "warn.csv"
    f.write_bytes(_csv(rows).encode())
    res = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01", "--format", "json")
    got = json.loads(res.stdout)
    assert got["warnings"] == {"成立日期无法识别，已留空": 3, "注册资本无法识别或超出范围，已留空": 1}
    assert got["warning_rows"] == {"成立日期无法识别，已留空": [2, 5, 8], "注册资本无法识别或超出范围，已留空": [6]}
    (mini / "imported" / "warn.yaml").unlink()
    text = run_cli("--chains", str(mini), "import", str(f), "--as-of", "2024-06-01").stdout
    assert "成立日期无法识别，已留空 3行（第2、5、8行）" in text and "已留空 1行（第6行）" in text
