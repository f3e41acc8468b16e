"""Pages of the assignment lists, which are wide (each row joins its action, outcome, line and
organisation) and long (25,000 rows at full scale)."""

from django.core.paginator import Paginator


class DeferredJoinPaginator(Paginator):
    """Reads a page near either end of the list directly; a page deep in it sorts only the ids
    to choose the page, then reads those rows in full, in one query:
    `WHERE id IN (SELECT id … ORDER BY … LIMIT … OFFSET …) ORDER BY …`.

    To reach page 500, the database must sort every row and skip all but the last few; with
    every joined column along that costs twice what sorting the ids alone does. Near an end
    the direct read is cheaper: it needs no second pass, and the list's filters are checked
    once (the ids query's filters, repeated around it, cost a text search twice its time).
    Measured at full scale, the direct read is the faster up to 1,000 rows skipped.

    A page in the second half is counted from the end: the rows are sorted the other way and
    the offset is the rows after the page, so the last page costs what the first does. The
    lists' orders are total (they end on a unique key), so both ways choose the same rows.
    """

    # Rows skipped (from the nearer end) below which a page is read directly.
    direct_below = 1000

    def rows(self, chosen):
        """The chosen rows as the page shows them (a subclass may read them as `.values()`)."""
        return chosen

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        from_end = self.object_list.ordered and bottom > self.count - top
        skipped = self.count - top if from_end else bottom
        if skipped < self.direct_below:
            rows = list(self._window(self.rows(self.object_list), bottom, top, from_end))
            if from_end:
                rows.reverse()
            return self._get_page(rows, number, self)
        ids = self._window(self.object_list.values("pk"), bottom, top, from_end)
        chosen = self.object_list.filter(pk__in=ids)
        return self._get_page(list(self.rows(chosen)), number, self)

    def _window(self, rows, bottom: int, top: int, from_end: bool):
        """Rows `bottom` to `top`; from the end, the same rows in the other order."""
        if from_end:
            return rows.reverse()[self.count - top : self.count - bottom]
        return rows[bottom:top]
