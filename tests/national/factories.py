"""A made-up national export (built with openpyxl) and the registry it is compared with."""

import io

from openpyxl import Workbook

from tests.institutions.factories import code_for, valid_institution

# Renamed columns (aliases), an extra column the reconciliation ignores, a title row above.
HEADERS = [
    "养老机构名称",
    "社会信用代码",
    "所在地区",
    "是否备案",
    "床位总数",
    "护理型床位",
    "运营状态",
    "床位使用率",
]


def export_bytes(rows, headers=HEADERS, title=True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["全国养老服务信息系统 养老机构信息导出"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def registry(world, extra: int = 0) -> dict:
    """Four institutions of 铁东区 and one of 铁西区 (plus `extra` more of 铁东区)."""
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    made = {
        "same": valid_institution(tiedong, "铁东区同样养老院"),
        "beds": valid_institution(tiedong, "铁东区床位养老院"),
        "byname": valid_institution(tiedong, "铁东区按名养老院"),
        "missing": valid_institution(tiedong, "铁东区缺失养老院"),
        "tiexi": valid_institution(tiexi, "铁西区差异养老院"),
    }
    for n in range(extra):
        made[f"extra{n}"] = valid_institution(tiedong, f"铁东区附加养老院{n}")
    return made


def export_rows(made, world, extra: int = 0) -> list:
    """The national side: same; beds differ (and unfiled); matched by region + name with another
    code; a new institution; a 铁西区 one differing; one of 大连 (outside every Anshan scope)."""
    same, beds, byname, tiexi = made["same"], made["beds"], made["byname"], made["tiexi"]
    rows = [
        [same.name, same.credit_code, "210302", "已备案", same.beds, same.nursing_beds, "正常运营", "50%"],
        [
            beds.name,
            beds.credit_code,
            "210302001000",
            "未备案",
            beds.beds + 10,
            beds.nursing_beds,
            "正常运营",
            "",
        ],
        [
            " 铁东区按名养老院 ",
            code_for(world.regions["210302"]),
            "210302",
            "已备案",
            byname.beds,
            40,
            "正常",
            "",
        ],
        ["铁东区新增养老院", code_for(world.regions["210302"]), "210302", "已备案", 30, 0, "正常运营", ""],
        [tiexi.name, tiexi.credit_code, "210303", "已备案", tiexi.beds, tiexi.nursing_beds, "停业", ""],
        ["中山区外地养老院", code_for(world.foreign_region), "210202", "已备案", 10, 0, "正常运营", ""],
    ]
    for n in range(extra):
        inst = made[f"extra{n}"]
        rows.append([inst.name, inst.credit_code, "210302", "已备案", inst.beds + 50, 0, "正常运营", ""])
    return rows
