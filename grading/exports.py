"""The results of a level assessment campaign as an .xlsx file (openpyxl).

In the ledgers' language, Chinese, whatever the interface language: Chinese headers and labels,
so that a file passes from clerk to clerk unchanged. Header frozen, auto-filter, real numbers
for scores and real dates; written through ``core.excel`` (names and reasons are text, never
formulas). Lists the applications ``restrict(user)`` gives.
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils import timezone, translation

from core.excel import table_sheet, workbook_bytes
from grading.choices import AssessmentStatus, ScoringRound, grade_label
from grading.models import AssessmentApplication, AssessmentCampaign, ExpertScore
from grading.selectors import campaign_results

RESULT_COLUMNS = [
    ("排名", 6),
    ("机构名称", 30),
    ("统一社会信用代码", 22),
    ("街道", 14),
    ("社区", 16),
    ("状态", 10),
    ("申请日期", 12),
    ("初评得分", 10),
    ("初评等级", 10),
    ("最终得分", 10),
    ("评估等级", 10),
    ("申诉理由", 30),
    ("处理说明", 30),
]
SCORE_COLUMNS = [("机构名称", 30), ("评审轮次", 10), ("专家", 12), ("评分项数", 10), ("总分", 10)]


def campaign_results_xlsx(campaign: AssessmentCampaign, user) -> bytes:
    """The campaign's results (best score first, refused applications last) and every expert's
    total per round, as the bytes of an .xlsx workbook."""
    from openpyxl import Workbook

    applications = list(campaign_results(campaign, AssessmentApplication.objects.restrict(user)))
    with translation.override("zh-hans"):
        ranked = [a for a in applications if a.score is not None]
        position = {a.pk: number for number, a in enumerate(ranked, start=1)}
        rows = []
        for application in ranked + [a for a in applications if a.score is None]:
            organisation = application.organisation
            status = AssessmentStatus(application.status).label
            rows.append(
                [
                    position.get(application.pk),
                    organisation.name,
                    organisation.credit_code,
                    organisation.community.parent.name,
                    organisation.community.name,
                    str(status),
                    application.applied_on,
                    application.initial_score,
                    grade_label(application.initial_level)
                    if application.initial_score is not None
                    else None,
                    application.score,
                    grade_label(application.level) if application.score is not None else None,
                    application.appeal_reason or None,
                    application.decision_note or None,
                ]
            )
        totals = (
            ExpertScore.objects.filter(application__in=[a.pk for a in applications])
            .values("application__organisation__name", "round", "expert__name")
            .annotate(n=Count("pk"), total=Sum("points"))
            .order_by("application__organisation__name", "round", "expert__name")
        )
        score_rows = [
            [
                row["application__organisation__name"],
                str(ScoringRound(row["round"]).label),
                row["expert__name"],
                row["n"],
                row["total"],
            ]
            for row in totals
        ]
        workbook = Workbook()
        table_sheet(workbook, "评估结果", RESULT_COLUMNS, rows, first=True)
        table_sheet(workbook, "专家评分", SCORE_COLUMNS, score_rows)
    return workbook_bytes(workbook)


def campaign_results_filename(campaign: AssessmentCampaign) -> str:
    from urllib.parse import quote

    stamp = timezone.localdate().strftime("%Y%m%d")
    return quote(f"{campaign.title}-评估结果-{stamp}.xlsx")
