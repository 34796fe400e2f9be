from django.core.management.base import BaseCommand

from jobs.services import jobs_prune, jobs_reap


class Command(BaseCommand):
    help = (
        "Report failed the jobs whose worker died, and delete finished jobs older than "
        "JOB_KEEP_DAYS days with their files (nightly, beside lifecycle_scan)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="keep this many days instead")

    def handle(self, *args, days=None, **options):
        reaped = jobs_reap()
        pruned = jobs_prune(days=days)
        self.stdout.write(f"{reaped} dead jobs reported failed, {pruned} old jobs deleted")
