from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from core.views import ScopedQuerysetMixin
from registry.filters import DivisionFilterSet
from registry.models import Division


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "registry/home.html"


class DivisionListView(ScopedQuerysetMixin, FilterView):
    model = Division
    filterset_class = DivisionFilterSet
    template_name = "registry/division_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class DivisionDetailView(ScopedQuerysetMixin, DetailView):
    model = Division
    template_name = "registry/division_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = (
            Division.objects.restrict(self.request.user).filter(parent=self.object).order_by("code")
        )
        return context
