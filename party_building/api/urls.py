from rest_framework.routers import SimpleRouter

from party_building.api.views import (
    FollowUpViewSet,
    InstructorAssignmentViewSet,
    PartyCoverageViewSet,
    PartyInstructorViewSet,
    PartyOrganisationViewSet,
)

router = SimpleRouter()
router.register("party-organisations", PartyOrganisationViewSet)
router.register("party-instructors", PartyInstructorViewSet)
router.register("party-instructor-assignments", InstructorAssignmentViewSet)
router.register("party-follow-up", FollowUpViewSet, basename="party-follow-up")
router.register("party-coverage", PartyCoverageViewSet, basename="party-coverage")
urlpatterns = router.urls
