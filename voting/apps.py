from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Public voting")

    def ready(self):
        from selection.choices import StageKind
        from selection.stages import register_result_source
        from voting import signals  # noqa: F401 (connects the receivers)
        from voting.selectors import stage_vote_counts

        register_result_source(StageKind.PUBLIC_VOTE, stage_vote_counts)
