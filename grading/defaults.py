"""The built-in defaults of grading: used when the configuration rows are missing (a fresh test
database after a flush, a deleted default). The data migration ``0002_defaults`` writes the same
values as rows, which an administrator then edits in the admin."""

from __future__ import annotations

from decimal import Decimal

#: level -> (lower bound, inclusive): 5A ≥ 950; 4A > 900; 3A > 850; 2A > 800; 1A > 700.
DEFAULT_BANDS = {
    5: ("950", True),
    4: ("900", False),
    3: ("850", False),
    2: ("800", False),
    1: ("700", False),
}

DEFAULT_TEMPLATE_NAME = "社会组织等级评估指标(默认)"

#: (code, name, max points, bonus, children): 1000 base points plus 50 bonus points, after the
#: national indicator framework for social organisation assessment (基础条件, 内部治理,
#: 工作绩效, 社会评价).
DEFAULT_INDICATORS = [
    (
        "1",
        "基础条件",
        "60",
        False,
        [("1.1", "法人资格", "20"), ("1.2", "章程", "20"), ("1.3", "登记备案", "20")],
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
        [("4.1", "内部评价", "60"), ("4.2", "外部评价", "60"), ("4.3", "获奖情况", "40")],
    ),
    ("5", "加分项", "50", True, [("5.1", "创新与特色", "50")]),
]


def create_default_template(template_model, indicator_model, *, stamp=None):
    """Write the default indicator template (rows of the given models, so that a data migration
    can pass its historical models); ``stamp(instance)`` marks each row for the history."""
    template = template_model(name=DEFAULT_TEMPLATE_NAME)
    if stamp:
        stamp(template)
    template.save()
    position = 0
    for code, name, points, bonus, children in DEFAULT_INDICATORS:
        position += 1
        parent = indicator_model(
            template=template,
            code=code,
            name=name,
            max_points=Decimal(points),
            is_bonus=bonus,
            position=position,
        )
        if stamp:
            stamp(parent)
        parent.save()
        for child_code, child_name, child_points in children:
            position += 1
            child = indicator_model(
                template=template,
                parent=parent,
                code=child_code,
                name=child_name,
                max_points=Decimal(child_points),
                is_bonus=bonus,
                position=position,
            )
            if stamp:
                stamp(child)
            child.save()
    return template
