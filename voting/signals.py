"""The cached shape of a vote's ballot (``services.ballot_shape``) and the cached vote
(``services.public_vote``) forgotten as soon as what they are made of changes in this process:
the entries, the shortlist (a cut), the categories, the stages, the campaign, the vote and its
rules. Other processes see the change when their copy expires (the vote's window is checked by
the database whatever the copy says)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from selection.models import Campaign, Category, Cut, Entry, Stage
from voting.models import CategoryRule, VoteStage
from voting.services import forget_cached_votes


@receiver([post_save, post_delete], sender=Entry)
@receiver([post_save, post_delete], sender=Cut)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Stage)
@receiver([post_save, post_delete], sender=Campaign)  # its status: a draft's vote is not public
def campaign_changed(sender, instance, **kwargs):
    campaign_id = instance.pk if sender is Campaign else instance.campaign_id
    forget_cached_votes(
        VoteStage.objects.filter(stage__campaign_id=campaign_id).only("pk", "created_at")
    )


@receiver([post_save, post_delete], sender=VoteStage)
def vote_changed(sender, instance, **kwargs):
    forget_cached_votes([instance])


@receiver([post_save, post_delete], sender=CategoryRule)
def rule_changed(sender, instance, **kwargs):
    forget_cached_votes(VoteStage.objects.filter(pk=instance.vote_id).only("pk", "created_at"))
