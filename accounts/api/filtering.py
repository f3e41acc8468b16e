"""The filter backend of every list of the API."""

from functools import lru_cache

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building only the filters the request names.

    Building a filter set deep-copies every filter and makes a form with a field for each,
    which cleans even the empty ones: about 2 ms for the assignments' twelve, more than the
    database takes to read a page. A filter the request does not name would change nothing,
    so it is left out, and with none named the list is not filtered at all. A parameter names
    a filter when it starts with the filter's name, so a filter whose widget adds a suffix
    (`due_min`, `due_max`) is never left out."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = frozenset(
            name
            for name in filterset_class.base_filters
            if any(param.startswith(name) for param in request.query_params)
        )
        if not named:
            return queryset
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        filterset = _with_only(filterset_class, named)(**kwargs)
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


@lru_cache(maxsize=256)
def _with_only(filterset_class, names: frozenset):
    """`filterset_class` with only the filters in `names`, made once per set of names."""
    subset = type(filterset_class.__name__, (filterset_class,), {})
    subset.base_filters = {
        name: filter_ for name, filter_ in filterset_class.base_filters.items() if name in names
    }
    return subset
