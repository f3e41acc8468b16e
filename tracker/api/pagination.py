"""Pages of the assignment list API."""

from functools import partial

from accounts.api.pagination import BoundedPageNumberPagination
from roadmap.pagination import DeferredJoinPaginator
from tracker import selectors


class AssignmentRowsPaginator(DeferredJoinPaginator):
    """Counts and pages the assignments, then reads the page's rows as plain values."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def rows(self, chosen):
        return selectors.assignment_rows(chosen, user=self.user)


class AssignmentPagination(BoundedPageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(AssignmentRowsPaginator, user=request.user)
        return super().paginate_queryset(queryset, request, view)
