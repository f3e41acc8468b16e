"""Pages of the assignment lists, which are wide (each row joins its action, outcome, line and
organisation) and long (25,000 rows at full scale)."""

from django.core.paginator import Paginator


class DeferredJoinPaginator(Paginator):
    """Sorts only the ids to choose a page, then reads those rows in full, in one query:
    `WHERE id IN (SELECT id … ORDER BY … LIMIT … OFFSET …) ORDER BY …`.

    To reach page 500, the database must sort every row and skip all but the last few; with
    every joined column along that costs twice what sorting the ids alone does.

    A page in the second half is counted from the end: the ids are sorted the other way and
    the offset is the rows after the page, so the last page costs what the first does. The
    lists' orders are total (they end on a unique key), so both ways choose the same rows.
    """

    def rows(self, chosen):
        """The chosen rows as the page shows them (a subclass may read them as `.values()`)."""
        return chosen

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")
        if self.object_list.ordered and bottom > self.count - top:
            ids = ids.reverse()[self.count - top : self.count - bottom]
        else:
            ids = ids[bottom:top]
        chosen = self.object_list.filter(pk__in=ids)
        return self._get_page(list(self.rows(chosen)), number, self)
