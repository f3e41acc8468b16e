"""The filter backend of every list of the API."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filters.

    Building a filter set deep-copies every filter and makes a form class, about 2 ms: more
    than the database takes to read a page. With no filter parameter it would change nothing.
    A parameter counts when it starts with a filter's name, so a filter whose widget adds a
    suffix (`due_min`, `due_max`) is never skipped."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
