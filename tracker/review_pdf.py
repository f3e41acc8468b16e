"""The one-page PDF of one organisation's part in a closed review cycle.

Drawn from `review_selectors.organisation_report`, which reads the frozen snapshot with the same
aggregates as the report page, so the PDF shows exactly the figures of the closed cycle. Text is
set in DejaVu Sans (Debian's fonts-dejavu-core), because the PDF core fonts cannot print every
character of French text or of the names people type.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tracker import review_selectors as selectors

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"

# The colours of static/css/reviews.css, so the PDF and the page read alike.
CATEGORY_RGB = {
    "not_started": (154, 165, 177),
    "on_track": (46, 125, 50),
    "at_risk": (199, 119, 0),
    "off_track": (198, 40, 40),
    "blocked": (106, 27, 27),
    "completed": (29, 92, 166),
    "cancelled": (216, 221, 228),
    selectors.NOT_REPORTED: (255, 255, 255),
}
INK = (27, 36, 48)
MUTED = (86, 97, 112)
RULE = (216, 221, 228)
NAVY = (11, 42, 74)

PAGE_WIDTH = 210
MARGIN = 15
WIDTH = PAGE_WIDTH - 2 * MARGIN
FOOTER_Y = 282


def _rate_text(row: selectors.ReportRow) -> str:
    if row.rate is None:
        return _("Nothing asked")
    return f"{row.rate} %"


class _Page(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
            path = FONT_DIR / name
            if not path.exists():
                raise ImproperlyConfigured(
                    f"The review PDF needs {path}: install Debian's fonts-dejavu-core."
                )
            self.add_font(FONT, style, str(path))
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.add_page()

    def text_line(self, text, *, size, bold=False, colour=INK, height=None, width=WIDTH):
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(
            width, height or size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def fit(self, text: str, width: float) -> str:
        """The text, shortened with an ellipsis to fit the width in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def heading(self, text):
        self.ln(4)
        self.text_line(text, size=11, bold=True, colour=NAVY)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() + 0.5, MARGIN + WIDTH, self.get_y() + 0.5)
        self.ln(2.5)

    def stacked_bar(self, row: selectors.ReportRow, *, x, y, width, height):
        """One rectangle per category, in the order of the legend, outlined so white
        ("not reported") stays visible."""
        total = row.figures["total"]
        self.set_draw_color(*MUTED)
        self.set_line_width(0.15)
        if not total:
            self.rect(x, y, width, height, style="D")
            return
        left = x
        for category, count, _percent in row.distribution:
            if not count:
                continue
            segment = width * count / total
            self.set_fill_color(*CATEGORY_RGB[category])
            self.rect(left, y, segment, height, style="DF")
            left += segment


def _figure_boxes(pdf: _Page, row: selectors.ReportRow) -> None:
    figures = row.figures
    rate = _rate_text(row)
    if row.rate is not None:
        rate_note = _("%(reported)d of %(expected)d expected") % {
            "reported": figures["reported"],
            "expected": figures["expected"],
        }
    else:
        rate_note = _("no open assignment")
    boxes = [
        (_("Assignments in scope"), str(figures["total"]), ""),
        (_("Reporting rate"), rate, rate_note),
        (_("Overdue"), str(figures["overdue"]), ""),
        (_("Stale"), str(figures["stale"]), ""),
        (_("Improved since the previous cycle"), str(figures["improved"]), ""),
        (_("Worsened since the previous cycle"), str(figures["worsened"]), ""),
        (_("Unchanged since the previous cycle"), str(figures["unchanged"]), ""),
        (_("Secretariat assessment differs"), str(figures["assessed_differs"]), ""),
    ]
    gap, columns, height = 3, 4, 22
    width = (WIDTH - gap * (columns - 1)) / columns
    top = pdf.get_y()
    for index, (label, value, note) in enumerate(boxes):
        x = MARGIN + (index % columns) * (width + gap)
        y = top + (index // columns) * (height + gap)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.3)
        pdf.rect(x, y, width, height, style="D")
        pdf.set_xy(x + 2.5, y + 2)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width - 5, 3.3, label, align="L", new_x=XPos.LEFT)
        pdf.set_xy(x + 2.5, y + 8.6)
        pdf.set_font(FONT, "B", 15)
        pdf.set_text_color(*INK)
        pdf.cell(width - 5, 8, value, new_x=XPos.LEFT, new_y=YPos.NEXT)
        if note:
            pdf.set_x(x + 2.5)
            pdf.set_font(FONT, "", 7.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(width - 5, 3.5, pdf.fit(note, width - 5))
    pdf.set_xy(MARGIN, top + 2 * height + gap)


def _legend(pdf: _Page, row: selectors.ReportRow) -> None:
    """Every category with its colour, word, count and share: colour is never the only cue."""
    columns, line_height = 4, 5.5
    width = WIDTH / columns
    top = pdf.get_y()
    for index, (category, count, percent) in enumerate(row.distribution):
        x = MARGIN + (index % columns) * width
        y = top + (index // columns) * line_height
        pdf.set_fill_color(*CATEGORY_RGB[category])
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.15)
        pdf.rect(x, y + 1, 3.2, 3.2, style="DF")
        pdf.set_xy(x + 4.5, y)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*(INK if count else MUTED))
        text = f"{selectors.category_label(category)}: {count} ({percent} %)"
        pdf.cell(width - 5, 5, pdf.fit(text, width - 5))
    rows = -(-len(row.distribution) // columns)
    pdf.set_xy(MARGIN, top + rows * line_height)


LINE_COLUMNS = [
    # (heading, width in mm, value of a line row)
    (gettext_lazy("In scope"), 18, lambda row: str(row.figures["total"])),
    (gettext_lazy("Reporting rate"), 28, _rate_text),
    (gettext_lazy("Overdue"), 18, lambda row: str(row.figures["overdue"])),
    (gettext_lazy("Stale"), 16, lambda row: str(row.figures["stale"])),
    (gettext_lazy("Improved"), 20, lambda row: str(row.figures["improved"])),
    (gettext_lazy("Worsened"), 20, lambda row: str(row.figures["worsened"])),
]


def _line_table(pdf: _Page, lines: list[selectors.ReportRow]) -> None:
    name_width = WIDTH - sum(width for _heading, width, _value in LINE_COLUMNS)
    pdf.set_font(FONT, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(name_width, 5, _("Line of effort"))
    for heading, width, _value in LINE_COLUMNS:
        pdf.cell(width, 5, pdf.fit(str(heading), width - 1), align="R")
    pdf.ln(5.5)
    available = FOOTER_Y - 6 - pdf.get_y()
    row_height = min(15.0, available / max(len(lines), 1))
    for row in lines:
        top = pdf.get_y()
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, top, MARGIN + WIDTH, top)
        pdf.set_xy(MARGIN, top + 1)
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(*INK)
        pdf.cell(name_width, 5, pdf.fit(f"{row.code} {row.name}", name_width - 2))
        pdf.set_font(FONT, "", 9)
        for _heading, width, value in LINE_COLUMNS:
            pdf.cell(width, 5, value(row), align="R")
        pdf.stacked_bar(row, x=MARGIN, y=top + 7, width=name_width - 4, height=3)
        words = " · ".join(
            f"{selectors.category_label(category)} {count}"
            for category, count, _percent in row.distribution
            if count
        )
        pdf.set_xy(MARGIN + name_width, top + 6.5)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(WIDTH - name_width, 4, pdf.fit(words, WIDTH - name_width))
        pdf.set_xy(MARGIN, top + row_height)


def organisation_report_pdf(*, report: selectors.OrganisationReport) -> bytes:
    """A4, always one page: the figures, the status distribution and one row per line."""
    cycle, row = report.cycle, report.totals
    closed_at = timezone.localtime(cycle.closed_at)
    pdf = _Page()
    pdf.set_title(f"{cycle.title} · {row.name}")
    pdf.set_author(_("Supply Chain Security Roadmap Tracker"))
    pdf.set_creation_date(cycle.closed_at)

    pdf.text_line(
        _("Supply Chain Security Roadmap Tracker · Review report"), size=8.5, colour=MUTED
    )
    pdf.ln(1)
    pdf.text_line(cycle.title, size=16, bold=True, height=7.5)
    pdf.text_line(f"{row.name} ({row.code})", size=12.5, bold=True, colour=NAVY, height=6.5)
    pdf.text_line(
        _("Frozen when the cycle closed on %(date)s; a later update does not change it.")
        % {"date": formats.date_format(closed_at, "DATETIME_FORMAT")},
        size=8.5,
        colour=MUTED,
    )

    pdf.heading(_("Summary"))
    _figure_boxes(pdf, row)

    pdf.heading(_("Status distribution"))
    pdf.stacked_bar(row, x=MARGIN, y=pdf.get_y(), width=WIDTH, height=7)
    pdf.ln(9.5)
    _legend(pdf, row)

    pdf.heading(_("Per line of effort"))
    _line_table(pdf, report.lines)

    pdf.set_xy(MARGIN, FOOTER_Y)
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, FOOTER_Y - 1, MARGIN + WIDTH, FOOTER_Y - 1)
    pdf.text_line(
        _(
            "“Not reported”: never updated, counted apart from “Not started”. The reporting "
            "rate counts the assignments updated in the cycle among those open or updated in it."
        ),
        size=7,
        colour=MUTED,
        height=3.3,
    )
    return bytes(pdf.output())
