"""Word lists for the demo dataset (``seed_demo``): names, places, activities, texts.

Plain data, no logic. Every Chinese string here is made up for demonstration; no real person
or organisation is meant.
"""

from registry.choices import (
    ActivitySeries,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    OrgField,
    OrgType,
    ServiceTarget,
)

# --- People ---------------------------------------------------------------------------------

#: surname, relative weight (roughly the national frequency, Cantonese and Hakka names kept)
SURNAMES = [
    ("王", 71),
    ("李", 70),
    ("张", 66),
    ("刘", 55),
    ("陈", 62),
    ("杨", 35),
    ("黄", 40),
    ("赵", 20),
    ("吴", 24),
    ("周", 21),
    ("徐", 15),
    ("孙", 12),
    ("马", 10),
    ("朱", 11),
    ("胡", 12),
    ("郭", 12),
    ("何", 12),
    ("林", 18),
    ("罗", 12),
    ("高", 10),
    ("郑", 10),
    ("梁", 12),
    ("谢", 9),
    ("宋", 6),
    ("唐", 6),
    ("许", 7),
    ("韩", 5),
    ("冯", 5),
    ("邓", 8),
    ("曹", 5),
    ("彭", 6),
    ("曾", 8),
    ("肖", 6),
    ("田", 4),
    ("董", 4),
    ("袁", 4),
    ("潘", 4),
    ("蔡", 6),
    ("蒋", 4),
    ("余", 5),
    ("叶", 7),
    ("杜", 3),
    ("钟", 6),
    ("卢", 4),
    ("廖", 5),
    ("赖", 4),
    ("温", 3),
    ("丘", 2),
    ("邱", 4),
    ("范", 3),
    ("方", 3),
    ("石", 3),
    ("姚", 3),
    ("谭", 4),
    ("严", 2),
    ("欧阳", 1),
    ("司徒", 1),
    ("麦", 2),
    ("冼", 1),
    ("植", 1),
]
GIVEN_FEMALE = (
    "秀英 丽 敏 静 燕 芳 娟 霞 玲 桂英 丹 萍 红 玉兰 晓红 海燕 雪梅 慧 婷 琳 颖 欣怡 "
    "雨桐 诗涵 佳怡 美玲 淑华 凤英 月娥 翠兰 少芳 惠珍 嘉欣 晓琳 思敏 雅琪 "
    "梦琪 紫涵 秀兰 丽娟 彩霞 金凤 春梅 桂芳 小燕 艳 莉 群"
).split()
GIVEN_MALE = (
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 健 国强 建华 志强 俊杰 浩然 宇航 子豪 "
    "建国 海波 永明 家辉 伟强 志明 国华 文杰 振华 锦荣 日新 德明 桂林 少华 "
    "梓轩 宇轩 嘉豪 冠宇 晓东 春生 汉文 耀光 永强 炳坤 成"
).split()

#: mobile number prefixes of the three carriers (the rest is eight random digits)
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 195 198 199"
).split()

#: area codes for ID numbers, with the first birth year python-stdnum accepts for each
#: (Shenzhen's districts, then places many Shenzhen residents come from)
ID_AREA_CODES = [
    ("440303", 1983),
    ("440304", 1983),
    ("440305", 1983),
    ("440306", 1992),
    ("440307", 1992),
    ("440308", 1997),
    ("441302", 1988),
    ("441423", 1988),
    ("441424", 1988),
    ("441622", 1988),
    ("445281", 1993),
    ("445122", 1991),
    ("430521", 1983),
    ("420111", 1983),
    ("510105", 1990),
]

# --- Organisations --------------------------------------------------------------------------

#: (org type, field) -> [(activity word, name suffixes, service targets it suggests)]
ACTIVITIES = {
    (OrgType.ASSOCIATION, OrgField.CULTURE_SPORTS): [
        ("书画", ("协会", "社", "研习社"), ()),
        ("摄影", ("协会", "俱乐部"), ()),
        ("太极拳", ("协会", "队", "辅导站"), ()),
        ("广场舞", ("队", "协会"), ()),
        ("合唱", ("团", "队"), ()),
        ("粤剧曲艺", ("社", "队"), ()),
        ("舞蹈", ("队", "团", "协会"), ()),
        ("篮球", ("队", "协会", "俱乐部"), ()),
        ("羽毛球", ("协会", "俱乐部"), ()),
        ("乒乓球", ("协会", "俱乐部"), ()),
        ("足球", ("队", "俱乐部"), ()),
        ("象棋", ("协会", "社"), ()),
        ("围棋", ("协会", "社"), ()),
        ("读书", ("会", "社"), ()),
        ("诗词", ("社", "学会"), ()),
        ("客家山歌", ("队", "社"), ()),
        ("舞狮", ("队", "协会"), ()),
        ("龙舟", ("队", "协会"), ()),
        ("健步走", ("队", "协会"), ()),
        ("徒步", ("俱乐部", "协会"), ()),
        ("瑜伽", ("俱乐部", "社"), ()),
        ("茶艺", ("社", "协会"), ()),
        ("剪纸", ("社", "协会"), ()),
        ("民乐", ("团", "队"), ()),
        ("腰鼓", ("队",), ()),
        ("旗袍文化", ("协会", "队"), ()),
        ("门球", ("队", "协会"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("跑步", ("俱乐部", "协会"), ()),
        ("长者艺术", ("团", "协会"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("少儿书法", ("社", "俱乐部"), (ServiceTarget.ELDERLY_CHILDREN,)),
    ],
    (OrgType.ASSOCIATION, OrgField.COMMUNITY_AFFAIRS): [
        ("楼栋长", ("联谊会", "协会"), ()),
        ("居民议事", ("会", "协会"), ()),
        ("新市民", ("联谊会", "协会"), ()),
        ("退役军人", ("协会", "联谊会"), (ServiceTarget.SPECIAL_GROUPS,)),
        ("乡贤", ("会", "联谊会"), ()),
        ("商户自律", ("协会", "联合会"), ()),
        ("家长互助", ("会", "协会"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("平安促进", ("会", "协会"), ()),
        ("环保", ("协会", "促进会"), ()),
    ],
    (OrgType.ASSOCIATION, OrgField.CHARITY): [
        ("慈善", ("会", "协会"), (ServiceTarget.HARDSHIP,)),
        ("爱心", ("协会", "联合会"), (ServiceTarget.HARDSHIP,)),
        ("公益", ("协会", "促进会"), ()),
        ("义工", ("协会", "联合会"), ()),
        ("助学", ("会", "协会"), (ServiceTarget.ELDERLY_CHILDREN, ServiceTarget.HARDSHIP)),
    ],
    (OrgType.ASSOCIATION, OrgField.LIFE_SERVICES): [
        ("老年人", ("协会",), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("长者", ("协会", "联谊会"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("健康养生", ("协会", "俱乐部"), ()),
        ("亲子", ("俱乐部", "会"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("花友", ("会", "协会"), ()),
        ("美食", ("社", "俱乐部"), ()),
        ("手工编织", ("社", "协会"), ()),
        ("妈妈", ("互助会", "俱乐部"), (ServiceTarget.ELDERLY_CHILDREN,)),
    ],
    (OrgType.SERVICE, OrgField.CHARITY): [
        ("长者关爱", ("服务队", "志愿服务队", "服务社"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("助残", ("服务队", "志愿服务队"), (ServiceTarget.SPECIAL_GROUPS,)),
        ("爱心帮扶", ("服务队", "服务社"), (ServiceTarget.HARDSHIP,)),
        (
            "困境儿童关爱",
            ("服务队", "服务社"),
            (ServiceTarget.ELDERLY_CHILDREN, ServiceTarget.HARDSHIP),
        ),
        ("爱心义剪", ("服务队",), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("应急救护", ("志愿服务队", "服务队"), ()),
        ("公益慈善", ("服务社", "服务中心"), (ServiceTarget.HARDSHIP,)),
        ("阳光助残", ("服务站", "服务队"), (ServiceTarget.SPECIAL_GROUPS,)),
    ],
    (OrgType.SERVICE, OrgField.COMMUNITY_AFFAIRS): [
        ("治安巡逻", ("队", "志愿服务队"), ()),
        ("平安志愿", ("服务队",), ()),
        ("垃圾分类", ("督导队", "志愿服务队"), ()),
        ("矛盾调解", ("工作室", "服务队"), ()),
        ("消防安全", ("志愿服务队", "服务队"), ()),
        ("文明劝导", ("服务队", "志愿服务队"), ()),
        ("交通文明", ("劝导队", "志愿服务队"), ()),
        ("网格", ("志愿服务队",), ()),
        ("楼栋自治", ("服务队", "服务社"), ()),
        ("禁毒宣传", ("志愿服务队",), (ServiceTarget.SPECIAL_GROUPS,)),
    ],
    (OrgType.SERVICE, OrgField.LIFE_SERVICES): [
        ("便民维修", ("服务队", "服务社"), ()),
        ("四点半课堂", ("服务队", "服务社"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("居家养老", ("服务社", "服务站"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("长者助餐", ("服务队", "服务站"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("心理咨询", ("工作室", "服务社"), (ServiceTarget.SPECIAL_GROUPS,)),
        ("健康义诊", ("服务队", "志愿服务队"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("亲子阅读", ("服务社", "服务队"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("托育互助", ("社", "服务社"), (ServiceTarget.ELDERLY_CHILDREN,)),
        ("法律咨询", ("工作室", "服务队"), (ServiceTarget.HARDSHIP,)),
        ("邻里互助", ("社", "服务社"), ()),
        ("社区护理", ("服务站", "服务队"), (ServiceTarget.ELDERLY_CHILDREN,)),
    ],
}

#: field weights per org type (associations are mostly culture and sports clubs)
FIELD_WEIGHTS = {
    OrgType.ASSOCIATION: [
        (OrgField.CULTURE_SPORTS, 60),
        (OrgField.LIFE_SERVICES, 18),
        (OrgField.COMMUNITY_AFFAIRS, 12),
        (OrgField.CHARITY, 10),
    ],
    OrgType.SERVICE: [
        (OrgField.CHARITY, 35),
        (OrgField.COMMUNITY_AFFAIRS, 35),
        (OrgField.LIFE_SERVICES, 30),
    ],
}

#: hub organisations a street designates: name template, type, field, legal form if registered
HUB_TEMPLATES = [
    (
        "{street}街道社区社会组织联合会",
        OrgType.ASSOCIATION,
        OrgField.COMMUNITY_AFFAIRS,
        "social_group",
    ),
    ("{street}街道社会组织服务中心", OrgType.SERVICE, OrgField.COMMUNITY_AFFAIRS, "social_service"),
    ("{street}社区公益孵化中心", OrgType.SERVICE, OrgField.CHARITY, "social_service"),
    ("{street}街道志愿服务联合会", OrgType.ASSOCIATION, OrgField.CHARITY, "social_group"),
]
#: community foundations, for the few registered organisations that are foundations
FOUNDATION_NAME = "{place}社区基金会"

VENUES = [
    "{community}党群服务中心{floor}楼活动室",
    "{community}党群服务中心多功能厅",
    "{community}长者服务站",
    "{place}文化广场",
    "{place}公园",
    "{community}居民活动中心",
    "{place}文体中心{floor}楼",
    "{community}图书室",
    "{place}社区体育公园",
    "{community}综合服务站{floor}楼",
]

BUSINESS_SCOPE = {
    OrgField.CULTURE_SPORTS: "组织辖区居民开展{word}学习、交流和展演活动，普及{word}知识，丰富居民"
    "精神文化生活，参与社区文化建设。",
    OrgField.LIFE_SERVICES: "围绕{word}为辖区居民提供便民服务，开展互助交流，协助社区做好民生服务"
    "工作。",
    OrgField.COMMUNITY_AFFAIRS: "协助社区开展{word}工作，组织居民参与社区议事协商和志愿服务，推动"
    "共建共治共享。",
    OrgField.CHARITY: "开展{word}公益服务，链接社会资源，关爱帮扶辖区困难群众和特殊群体。",
}

CHARTER = (
    "第一条 本组织名称为{name}。\n"
    "第二条 本组织是由{community}居民自愿组成的非营利性社区社会组织，接受{community}党委和"
    "居民委员会的指导。\n"
    "第三条 本组织的宗旨是：遵守宪法、法律法规和国家政策，践行社会主义核心价值观，{purpose}\n"
    "第四条 业务范围：{scope}\n"
    "第五条 本组织设负责人一名，由成员会议推选产生，任期三年，可以连任。\n"
    "第六条 本组织经费来源于成员自愿捐赠、社区支持和政府购买服务，全部用于章程规定的活动，"
    "不在成员中分配。\n"
    "第七条 本章程经成员会议通过后生效。"
)
PURPOSES = [
    "团结凝聚辖区居民，服务社区发展。",
    "弘扬志愿精神，促进邻里和谐。",
    "丰富居民文化生活，增进邻里感情。",
    "关爱帮扶困难群体，传递社会温暖。",
]
ACTIVITY_RULES = (
    "一、本组织原则上每{period}开展一次集体活动，活动时间、地点提前在成员群内通知。\n"
    "二、活动实行签到制度，负责人做好活动记录，重大活动提前报{community}备案。\n"
    "三、成员应遵守活动纪律和场地管理规定，爱护公共设施，注意安全。\n"
    "四、活动不收取费用，确需分摊的费用须经成员同意并公开账目。"
)
PERIODS = ["周", "两周", "月"]
SERVICE_NORMS = (
    "一、服务人员应佩戴标识，文明礼貌，尊重服务对象隐私。\n"
    "二、服务实行登记制度，如实记录服务时间、内容和服务时长。\n"
    "三、服务过程中不得收取服务对象任何财物。\n"
    "四、遇到突发情况及时报告负责人和{community}。"
)

# --- Activities -----------------------------------------------------------------------------

#: series weights per field
SERIES_WEIGHTS = {
    OrgField.CULTURE_SPORTS: [
        (ActivitySeries.CULTURE, 60),
        (ActivitySeries.NEIGHBOURHOOD_WATCH, 10),
        (ActivitySeries.CO_GOVERNANCE, 5),
        (ActivitySeries.SAFETY, 5),
        (ActivitySeries.OTHER, 20),
    ],
    OrgField.LIFE_SERVICES: [
        (ActivitySeries.NEIGHBOURHOOD_WATCH, 45),
        (ActivitySeries.CULTURE, 15),
        (ActivitySeries.CO_GOVERNANCE, 10),
        (ActivitySeries.SAFETY, 10),
        (ActivitySeries.OTHER, 20),
    ],
    OrgField.COMMUNITY_AFFAIRS: [
        (ActivitySeries.CO_GOVERNANCE, 35),
        (ActivitySeries.SAFETY, 30),
        (ActivitySeries.NEIGHBOURHOOD_WATCH, 20),
        (ActivitySeries.OTHER, 15),
    ],
    OrgField.CHARITY: [
        (ActivitySeries.NEIGHBOURHOOD_WATCH, 60),
        (ActivitySeries.CULTURE, 10),
        (ActivitySeries.SAFETY, 10),
        (ActivitySeries.OTHER, 20),
    ],
}
ACTIVITY_TITLES = {
    ActivitySeries.NEIGHBOURHOOD_WATCH: [
        "邻里守望·{word}志愿服务",
        "{festival}走访慰问独居长者",
        "“{festival}送温暖”入户探访",
        "{word}志愿服务进楼栋",
        "关爱困境儿童陪伴活动",
        "长者生日会暨{word}服务",
    ],
    ActivitySeries.CO_GOVERNANCE: [
        "{place}居民议事会：{topic}",
        "“{topic}”协商议事会",
        "共建共治共享·{topic}恳谈会",
        "楼栋长联席会议：{topic}",
    ],
    ActivitySeries.SAFETY: [
        "消防安全知识宣传",
        "防范电信诈骗宣传进楼栋",
        "{place}夜间治安巡逻",
        "应急疏散演练",
        "交通安全进校园",
        "{festival}安全隐患排查",
    ],
    ActivitySeries.CULTURE: [
        "{festival}{word}联欢会",
        "{word}作品展",
        "{word}交流展演",
        "{word}公益课堂",
        "“{festival}”主题{word}活动",
    ],
    ActivitySeries.OTHER: [
        "{word}日常活动",
        "成员大会",
        "年度工作总结会",
        "{word}骨干培训",
        "{word}能力提升培训",
    ],
}
#: month -> festivals and campaigns that month's activities are named after
FESTIVALS = {
    1: ["元旦", "迎新春"],
    2: ["春节", "元宵"],
    3: ["学雷锋", "三八节"],
    4: ["清明", "春季"],
    5: ["五一", "母亲节"],
    6: ["端午", "六一"],
    7: ["七一", "暑期"],
    8: ["八一", "七夕"],
    9: ["中秋", "开学季"],
    10: ["国庆", "重阳"],
    11: ["消防宣传月", "秋季"],
    12: ["冬至", "岁末"],
}
TOPICS = [
    "加装电梯",
    "小区停车",
    "垃圾分类投放点设置",
    "楼道堆物清理",
    "社区微改造",
    "民生微实事项目",
    "公园夜间照明",
    "电动车充电",
    "噪音扰民",
    "长者饭堂选址",
]

# --- Applications ---------------------------------------------------------------------------

NOTES = {
    ApplicationKind.FILING: [
        "经社区党委、居委会审核，推荐备案。",
        "该组织活动正常，成员稳定，推荐备案。",
        "",
    ],
    ApplicationKind.REGISTRATION: [
        "该组织运作规范、群众认可度高，街道推荐登记。",
        "备案以来持续开展服务，具备登记条件，推荐登记。",
        "",
    ],
}
EXIT_NOTES = {
    ExitReason.DORMANT: "连续12个月未开展活动，负责人联系不上，经核实为僵尸型组织。",
    ExitReason.VOLUNTARY: "经成员会议表决，自愿解散。",
    ExitReason.REVOKED: "存在违规收费行为，经调查核实，拟撤销。",
    ExitReason.MERGED: "与本社区同类组织合并，原组织退出。",
}
#: (kind, status) -> reasons a reviewer gives
DECISION_REASONS = {
    (ApplicationKind.FILING, ApplicationStatus.RETURNED): [
        "成员名册缺少部分成员联系方式，请补充后重新提交。",
        "章程未写明活动场所，请补正后重新提交。",
        "负责人联系电话有误，请核实。",
        "活动规则过于简单，请细化后重新提交。",
    ],
    (ApplicationKind.FILING, ApplicationStatus.REJECTED): [
        "名称与本街道已备案组织相近，易引起混淆，不予备案。",
        "经实地核查，活动场所不固定，暂不符合备案条件。",
        "经核查存在经营性收费行为，不予备案。",
        "成员多为非辖区居民，不符合社区社会组织定位。",
    ],
    (ApplicationKind.REGISTRATION, ApplicationStatus.RETURNED): [
        "请补充住所使用证明。",
        "章程草案需经会员大会表决通过后重新提交。",
        "请补充负责人任职资格证明。",
    ],
    (ApplicationKind.REGISTRATION, ApplicationStatus.REJECTED): [
        "业务范围超出社区服务范畴，不予登记。",
        "开办资金来源证明不足，不予登记。",
        "备案期间服务记录不足，建议继续以备案方式运作。",
    ],
    (ApplicationKind.EXIT, ApplicationStatus.RETURNED): [
        "请补充成员会议同意解散的决议。",
        "请补充财产清算情况说明。",
    ],
    (ApplicationKind.EXIT, ApplicationStatus.REJECTED): [
        "经核实，该组织近期仍在正常开展活动，不予退出。",
        "负责人已联系上，组织将恢复活动，不予退出。",
    ],
}
APPROVAL_REASONS = ["", "", "", "材料齐全，符合条件，同意。", "同意。"]

# --- Brand projects -------------------------------------------------------------------------

BRAND_SLOGANS = [
    "银龄守护",
    "邻里一家亲",
    "童心港湾",
    "暖心食堂",
    "书香邻里",
    "平安守护",
    "绿色家园",
    "阳光助残",
    "彩虹桥",
    "时间银行",
    "幸福小站",
    "长者e站",
    "楼栋管家",
    "四点半学堂",
]
BRAND_THEMES = {
    OrgField.CULTURE_SPORTS: ["文化惠民", "全民健身", "非遗传承"],
    OrgField.LIFE_SERVICES: ["为老服务", "便民服务", "亲子成长"],
    OrgField.COMMUNITY_AFFAIRS: ["社区治理", "平安建设", "议事协商"],
    OrgField.CHARITY: ["关爱帮扶", "志愿服务", "慈善公益"],
}
