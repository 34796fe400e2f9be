"""Default grade bands, indicator template and evaluation weights (editable in the admin)."""

from decimal import Decimal

from django.db import migrations

#: level -> (lower bound, inclusive): 5A ≥ 950; 4A > 900; 3A > 850; 2A > 800; 1A > 700.
DEFAULT_BANDS = {
    5: ("950", True),
    4: ("900", False),
    3: ("850", False),
    2: ("800", False),
    1: ("700", False),
}

#: (code, name, max points, bonus, children): 1000 base points plus 50 bonus points, after the
#: national indicator framework for social organisation assessment (基础条件, 内部治理,
#: 工作绩效, 社会评价).
DEFAULT_INDICATORS = [
    (
        "1",
        "基础条件",
        "60",
        False,
        [
            ("1.1", "法人资格", "20"),
            ("1.2", "章程", "20"),
            ("1.3", "登记备案", "20"),
        ],
    ),
    (
        "2",
        "内部治理",
        "380",
        False,
        [
            ("2.1", "发展规划", "40"),
            ("2.2", "组织机构", "80"),
            ("2.3", "党建工作", "80"),
            ("2.4", "人力资源", "60"),
            ("2.5", "财务管理", "80"),
            ("2.6", "档案证章管理", "40"),
        ],
    ),
    (
        "3",
        "工作绩效",
        "400",
        False,
        [
            ("3.1", "提供服务", "160"),
            ("3.2", "反映诉求", "80"),
            ("3.3", "规范行为", "80"),
            ("3.4", "信息公开", "80"),
        ],
    ),
    (
        "4",
        "社会评价",
        "160",
        False,
        [
            ("4.1", "内部评价", "60"),
            ("4.2", "外部评价", "60"),
            ("4.3", "获奖情况", "40"),
        ],
    ),
    ("5", "加分项", "50", True, [("5.1", "创新与特色", "50")]),
]

DEFAULT_WEIGHTS = {
    "party_building": 10,
    "structure": 10,
    "members": 10,
    "meetings_rules": 10,
    "activities": 15,
    "capacity": 10,
    "purchased_services": 10,
    "credit": 10,
    "annual_reports": 10,
    "rewards_penalties": 5,
}


def create_defaults(apps, schema_editor):
    GradeBand = apps.get_model("grading", "GradeBand")
    IndicatorTemplate = apps.get_model("grading", "IndicatorTemplate")
    Indicator = apps.get_model("grading", "Indicator")
    DimensionWeight = apps.get_model("grading", "DimensionWeight")
    for level, (bound, inclusive) in DEFAULT_BANDS.items():
        GradeBand.objects.get_or_create(
            division=None,
            level=level,
            defaults={"lower_bound": Decimal(bound), "inclusive": inclusive},
        )
    for dimension, weight in DEFAULT_WEIGHTS.items():
        DimensionWeight.objects.get_or_create(
            division=None, dimension=dimension, defaults={"weight": Decimal(weight)}
        )
    if IndicatorTemplate.objects.filter(division=None, is_snapshot=False).exists():
        return
    template = IndicatorTemplate.objects.create(name="社会组织等级评估指标(默认)")
    position = 0
    for code, name, points, bonus, children in DEFAULT_INDICATORS:
        position += 1
        parent = Indicator.objects.create(
            template=template,
            code=code,
            name=name,
            max_points=Decimal(points),
            is_bonus=bonus,
            position=position,
        )
        for child_code, child_name, child_points in children:
            position += 1
            Indicator.objects.create(
                template=template,
                parent=parent,
                code=child_code,
                name=child_name,
                max_points=Decimal(child_points),
                is_bonus=bonus,
                position=position,
            )


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
