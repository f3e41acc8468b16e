"""Pages of the assignment lists, which are wide (each row joins its action, outcome, line and
organisation) and long (25,000 rows at full scale)."""

from django.core.paginator import Paginator


class DeferredJoinPaginator(Paginator):
    """Reads a page's ids first, in the list's order, then only those rows in full.

    To reach page 500, the database must sort every row and skip all but the last few; with
    every joined column along that costs twice what sorting the ids alone does. The extra
    query is cheap on any page."""

    def rows(self, chosen):
        """The chosen rows as the page shows them (a subclass may read them as `.values()`,
        keeping "id")."""
        return chosen

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        found = self.rows(self.object_list.filter(pk__in=ids).order_by())
        rows = {row["id"] if isinstance(row, dict) else row.pk: row for row in found}
        # A row deleted between the two reads is left out rather than failing the page.
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
