"""Input fields shared by every app's serializers."""

from rest_framework import pagination, serializers

from core.errors import ApplicationError

# Database ids are 64-bit: a larger number must be a 400 naming the field, not an overflow in the query
# (SQLite raises OverflowError; PostgreSQL quietly finds nothing).
MAX_ID = 2**63 - 1


def id_field(**options) -> serializers.IntegerField:
    """A database id given by a client: a positive 64-bit integer."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **options)


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, but a page that is not a whole number from 1 to 2^63-1 is a 400 naming `page`; a page past the
    end stays a 404."""

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page not in (None, "", "last") and not (page.isdigit() and 1 <= int(page) <= MAX_ID):
            raise ApplicationError(f"page must be a whole number from 1, not {page[:40]!r}.", code="bad_page")
        return super().paginate_queryset(queryset, request, view)
