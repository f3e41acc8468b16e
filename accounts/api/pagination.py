"""Page-number pagination shared by every list of the API."""

from rest_framework.pagination import PageNumberPagination


class BoundedPageNumberPagination(PageNumberPagination):
    """Clients choose `page_size` up to 200, so no request can ask for a whole table."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
