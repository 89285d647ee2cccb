"""Where a record is published (measure 十二), decided by the code's registration authority.

Measure 十二 (../shared/seeds/004_1e8d291cb6ab1272.txt): “相关部门要将养老服务机构登记备案、抽查检查、行政
处罚、奖惩情况等信息，按经营性质分别在社会组织公共服务平台、企业信用信息公示系统、事业单位在线网进行公示”;
measure 九 adds “通过企业信用信息公示系统、相关部门网站等渠道依法依规向社会公开”.

The operating nature is read from character 1 of the Unified Social Credit Code, the registration
authority (登记管理部门代码) of GB 32100-2015 (table 1: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政,
6 旅游, 7 宗教, 8 工会, 9 工商, A 中央军委改革和编制办公室, N 农业, Y 其他; see also
`institutions.uscc`):

- 1 机构编制 → 事业单位在线网 (public institutions, 事业单位, are registered by the establishment
  offices and published there; codes 11 机关 and 13 群众团体 are no eldercare institutions and go
  the same way);
- 5 民政 → 社会组织公共服务平台 (whatever character 2 says: 51 社会团体, 52 民办非企业单位/社会服务机构,
  53 基金会 are all social organisations, published on the one platform);
- 9 工商 (now 市场监管) → 国家企业信用信息公示系统 (91 企业, 92 个体工商户, 93 农民专业合作社);
- anything else (2-4, 6-8, A, N, Y, …) → 信用中国, the national credit portal every authority
  shares to (measure 九's “相关部门网站等渠道”).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from institutions import uscc


@dataclass(frozen=True)
class Channel:
    key: str
    name: str | Promise
    url: str


PUBLIC_INSTITUTIONS = Channel(
    "public_institutions", _("Public Institutions Online"), "https://www.gjsy.gov.cn/"
)
SOCIAL_ORGANISATIONS = Channel(
    "social_organisations",
    _("Social Organisations Public Service Platform"),
    "https://xxgs.chinanpo.mca.gov.cn/",
)
ENTERPRISES = Channel(
    "enterprises",
    _("National Enterprise Credit Information Publicity System"),
    "https://www.gsxt.gov.cn/",
)
CREDIT_CHINA = Channel("credit_china", _("Credit China"), "https://www.creditchina.gov.cn/")

BY_AUTHORITY = {"1": PUBLIC_INSTITUTIONS, "5": SOCIAL_ORGANISATIONS, "9": ENTERPRISES}
CHANNELS = (PUBLIC_INSTITUTIONS, SOCIAL_ORGANISATIONS, ENTERPRISES, CREDIT_CHINA)


def channel_for(credit_code: str) -> Channel:
    """The publication channel of a record about `credit_code` (normalised first; an empty or
    malformed code falls to 信用中国, which publishes for every authority)."""
    code = uscc.normalize(credit_code)
    return BY_AUTHORITY.get(code[:1], CREDIT_CHINA)
