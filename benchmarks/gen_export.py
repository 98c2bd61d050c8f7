"""Synthetic business-data exports for benchmarks and tests: what officers download from registry
platforms, at any size, reproducibly (seeded).

Each row is a made-up firm (names are random combinations and never real firms) with the columns of a
typical export: a title row above the header, Chinese names, valid unified social credit codes (some
missing, some mistyped), registration status (some 注销 / 吊销), capital as text in 万 / 亿 / 美元,
dates in three formats, provinces and cities, and business scopes of generic items; a share of rows
mention a chain keyword in the scope or main products, some rows repeat an earlier firm.

    python benchmarks/gen_export.py 100000 -o /tmp/export_100k.csv [--chains chains] [--encoding gbk]
    python benchmarks/gen_export.py 1000000 -o /tmp/dense_1m.csv --chains chains --mode dense
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.money import _USCC_ALPHABET, _USCC_WEIGHTS  # noqa: E402

HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "法定代表人",
    "登记状态",
    "成立日期",
    "注册资本",
    "实缴资本",
    "所属省份",
    "所属城市",
    "所属区县",
    "企业类型",
    "国标行业",
    "注册地址",
    "经营范围",
    "主营产品",
]
PLACES = [
    ("江苏省", "连云港市", ["赣榆区", "海州区", "连云区", "灌南县", "灌云县", "东海县"], "320700"),
    ("江苏省", "苏州市", ["吴江区", "昆山市", "张家港市", "常熟市"], "320500"),
    ("江苏省", "南京市", ["江宁区", "六合区", "栖霞区"], "320100"),
    ("江苏省", "南通市", ["如东县", "海门区", "通州区"], "320600"),
    ("江苏省", "无锡市", ["江阴市", "宜兴市", "锡山区"], "320200"),
    ("浙江省", "宁波市", ["镇海区", "北仑区", "慈溪市"], "330200"),
    ("浙江省", "绍兴市", ["柯桥区", "上虞区", "诸暨市"], "330600"),
    ("浙江省", "杭州市", ["萧山区", "余杭区", "临平区"], "330100"),
    ("浙江省", "嘉兴市", ["桐乡市", "海宁市", "平湖市"], "330400"),
    ("上海市", "上海市", ["浦东新区", "金山区", "奉贤区"], "310100"),
    ("广东省", "广州市", ["南沙区", "黄埔区", "番禺区"], "440100"),
    ("广东省", "深圳市", ["南山区", "宝安区", "龙岗区"], "440300"),
    ("广东省", "惠州市", ["惠阳区", "大亚湾区"], "441300"),
    ("福建省", "福州市", ["长乐区", "福清市"], "350100"),
    ("福建省", "泉州市", ["晋江市", "石狮市"], "350500"),
    ("山东省", "青岛市", ["黄岛区", "即墨区"], "370200"),
    ("山东省", "东营市", ["东营区", "垦利区"], "370500"),
    ("辽宁省", "大连市", ["长兴岛", "金州区"], "210200"),
    ("四川省", "成都市", ["双流区", "新津区"], "510100"),
    ("四川省", "宜宾市", ["翠屏区", "叙州区"], "511500"),
    ("湖北省", "武汉市", ["东西湖区", "汉阳区"], "420100"),
    ("安徽省", "合肥市", ["肥西县", "长丰县"], "340100"),
    ("河南省", "郑州市", ["中牟县", "新郑市"], "410100"),
    ("北京市", "市辖区", ["海淀区", "朝阳区"], "110100"),
]
SHORT_PLACE = {"上海市": "上海", "北京市": "北京"}
BRANDS = list(
    "恒盛鑫华泰瑞博通达远宏祥丰源海晟汇联昌金德康永兴嘉荣立信诚新益凯天宇中星润明佳和安富顺捷力美欣亿鼎隆光辉创卓越锦程弘毅"
)
TRADES = [
    "化纤",
    "新材料",
    "科技",
    "化工",
    "纺织",
    "能源",
    "实业",
    "贸易",
    "机械",
    "环保",
    "电子",
    "食品",
    "粮油",
    "印染",
    "光电",
    "塑胶",
    "包装",
    "物流",
    "建材",
    "医药",
]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志")
TYPES = [
    "有限责任公司(自然人投资或控股)",
    "有限责任公司(法人独资)",
    "股份有限公司(非上市)",
    "有限责任公司(外商投资)",
    "其他有限责任公司",
    "个人独资企业",
]
INDUSTRIES = [
    "化学原料和化学制品制造业",
    "化学纤维制造业",
    "纺织业",
    "批发业",
    "零售业",
    "科技推广和应用服务业",
    "通用设备制造业",
    "电气机械和器材制造业",
    "农副食品加工业",
    "橡胶和塑料制品业",
    "商务服务业",
    "非金属矿物制品业",
    "专用设备制造业",
    "道路运输业",
]
GENERIC_SCOPE = [
    "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "货物进出口",
    "技术进出口",
    "日用百货销售",
    "五金产品批发",
    "办公用品销售",
    "信息咨询服务（不含许可类信息咨询服务）",
    "普通货物仓储服务（不含危险化学品等需许可审批的项目）",
    "机械设备租赁",
    "建筑材料销售",
    "针纺织品销售",
    "服装服饰批发",
    "食用农产品批发",
    "包装材料及制品销售",
    "塑料制品销售",
    "企业管理咨询",
    "会议及展览服务",
    "工程管理服务",
    "电子产品销售",
    "劳务服务（不含劳务派遣）",
]
STATUS = [("存续", 0.70), ("在业", 0.20), ("开业", 0.035), ("注销", 0.05), ("吊销，未注销", 0.01), ("迁出", 0.005)]
FALLBACK_KEYWORDS = ["精对苯二甲酸", "聚酯切片", "涤纶长丝", "碳纤维", "锂电池", "光伏组件", "印染", "大豆油"]


MODES = {"sparse": 0.15, "dense": 0.80}  # share of rows naming a chain keyword (dense 0.86 placed 86% of firms)


def uscc(rng: random.Random, area: str) -> str:
    body = "9" + rng.choice("123") + area + "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


def chain_keywords(chains: Path | None) -> list[str]:
    """Every name, alias and keyword of the library's nodes (the words firms would be placed by)."""
    if chains is None:
        return FALLBACK_KEYWORDS
    from chainmap.load import load_library

    lib = load_library(chains)
    words = {w for n in lib.nodes.values() for w in [n.name, *n.aliases, *n.keywords] if 2 <= len(w) <= 12}
    return sorted(words) or FALLBACK_KEYWORDS


def capital(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return f"{rng.choice([50, 100, 200, 500, 1000, 2000, 3000, 5000, 8000])}万元人民币"
    if r < 0.6:
        return f"{rng.choice([1, 1.2, 1.5, 2, 3.5, 5, 10])}亿元"
    if r < 0.7:
        return f"{rng.choice([100, 300, 500, 1000])}万美元"
    if r < 0.8:
        return f"{rng.choice([10, 30, 50, 100])}万(元)"
    if r < 0.95:
        return f"{rng.randint(1, 99999) / 10:.4f}万人民币"
    return "-"


def date(rng: random.Random) -> str:
    y, m, d = rng.randint(1990, 2023), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y}年{m}月{d}日"])


def rows(
    n: int, keywords: list[str], seed: int = 7, match_share: float = 0.15, dup_share: float = 0.02
) -> Iterator[list[str]]:
    rng = random.Random(seed)
    recent: list[list[str]] = []
    for i in range(1, n + 1):
        if recent and rng.random() < dup_share:  # the same firm again, as exports from two queries are
            row = list(rng.choice(recent))
            row[0] = str(i)
            yield row
            continue
        prov, city, districts, area = rng.choice(PLACES)
        short_city = SHORT_PLACE.get(prov, city.removesuffix("市"))
        kw = rng.choice(keywords) if rng.random() < match_share else None
        trade = rng.choice(TRADES)
        name = f"{short_city}{''.join(rng.choices(BRANDS, k=3))}{trade}{rng.choice(SUFFIXES)}"
        scope = "；".join(rng.sample(GENERIC_SCOPE, rng.randint(3, 7)))
        products = ""
        if kw:
            if rng.random() < 0.5:
                scope = f"{kw}的研发、生产、销售；" + scope
            else:
                products = kw
        r = rng.random()
        code = uscc(rng, area)
        if r < 0.03:
            code = ""
        elif r < 0.035:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a mistyped check character
        status = rng.choices([s for s, _ in STATUS], [w for _, w in STATUS])[0]
        row = [
            str(i),
            name,
            code,
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            status,
            date(rng),
            capital(rng),
            rng.choice([capital(rng), "-", ""]),
            prov,
            city,
            rng.choice(districts),
            rng.choice(TYPES),
            rng.choice(INDUSTRIES),
            f"{prov}{city}{rng.choice(districts)}{rng.randint(1, 999)}号",
            scope + "。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            products,
        ]
        if len(recent) < 5000:
            recent.append(row)
        elif rng.random() < 0.01:
            recent[rng.randrange(len(recent))] = row
        yield row


def write(
    path: Path,
    n: int,
    keywords: list[str],
    encoding: str = "utf-8-sig",
    seed: int = 7,
    title: bool = True,
    match_share: float = 0.15,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow([f"企业查询结果导出（导出时间：2024-06-01，共{n}条）"] + [""] * (len(HEADER) - 1))
        w.writerow(HEADER)
        w.writerows(rows(n, keywords, seed, match_share))
    return path


def _recode(code: str, k: int) -> str:
    """Another valid credit code for copy ``k`` of a firm (an invalid or missing one stays as it is)."""
    if len(code) != 18 or any(ch not in _USCC_ALPHABET for ch in code):
        return code
    body = code[:17]
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    if _USCC_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return code  # a mistyped check character: rejected in every copy
    body = body[:8] + _USCC_ALPHABET[(_USCC_ALPHABET.index(body[8]) + k) % 31] + body[9:]
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


def replicate(src: Path, path: Path, n: int) -> Path:
    """``n`` rows made of copies of an export written by this script: copy k (k >= 1) renames each firm
    (two more brand characters in front) and changes its credit code (valid codes stay valid, with a new
    check character), so each copy is another set of made-up firms with the same texts, duplicates,
    closed and bad rows. For sizes the row-by-row generator takes too long to write (~0.3 ms a row)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(
        src,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=None),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in HEADER}, strings_can_be_null=False),
    )
    title = f"企业查询结果导出（导出时间：2024-06-01，共{n}条）" + "," * (len(HEADER) - 1) + "\n"
    done = 0
    with path.open("wb") as fh:
        fh.write(title.encode("utf-8-sig"))
        for k in range(-(-n // len(t))):
            part = t.slice(0, min(len(t), n - done))
            if k:
                names = part["企业名称"].to_pylist()
                lead = BRANDS[k % len(BRANDS)] + BRANDS[(k * 7 + 3) % len(BRANDS)]
                part = part.set_column(1, "企业名称", pa.array([lead + x if x else x for x in names]))
                codes = part["统一社会信用代码"].to_pylist()
                part = part.set_column(2, "统一社会信用代码", pa.array([_recode(c, k) for c in codes]))
            part = part.set_column(0, "序号", pa.array([str(i) for i in range(done + 1, done + len(part) + 1)]))
            pacsv.write_csv(part, fh, pacsv.WriteOptions(include_header=k == 0, quoting_style="needed"))
            done += len(part)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--chains", type=Path, default=None, help="library whose keywords some rows mention")
    ap.add_argument("--encoding", default="utf-8-sig")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--mode",
        choices=sorted(MODES),
        default="sparse",
        help="sparse: a general registry query (15%% of rows name a chain keyword); dense: the firms of "
        "a whole chain, as officers export them (most rows name one; ~78%% end up placed)",
    )
    ap.add_argument(
        "--match-share", type=float, default=None, help="share of rows mentioning a chain keyword (overrides --mode)"
    )
    ap.add_argument(
        "--replicate",
        type=Path,
        default=None,
        help="build the rows from copies of an export this script wrote (fast: for 10M rows and more)",
    )
    a = ap.parse_args()
    if a.replicate is not None:
        print(replicate(a.replicate, a.output, a.rows))
        return
    share = a.match_share if a.match_share is not None else MODES[a.mode]
    write(a.output, a.rows, chain_keywords(a.chains), a.encoding, a.seed, match_share=share)
    print(a.output)


if __name__ == "__main__":
    main()
