"""The report's HTML pages: headers line up with the cells, and only the readers' error rows look like them."""
import re
from html.parser import HTMLParser

from pipeline_lib.report.pages import STYLE, cross_dataset_html, mds_html

from toys import METHODS, TARGETS, toy_scores


class Rows(HTMLParser):
    """The rows of a page's table: (class of the <tr>, [(tag, text) per cell])."""

    def __init__(self, page: str):
        super().__init__()
        self.rows: list[tuple[str | None, list[tuple[str, str]]]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        elif tag in ("th", "td"):
            self.rows[-1][1].append((tag, ""))

    def handle_data(self, data):
        if self.rows and self.rows[-1][1] and data.strip():
            tag, text = self.rows[-1][1][-1]
            self.rows[-1][1][-1] = (tag, text + data.strip())


def test_cross_dataset_table_has_one_header_cell_per_column():
    scores = toy_scores()
    means = scores[scores["source"] == "judge"].pivot_table(index="method", columns="dataset", values="mds")
    header, *body = Rows(cross_dataset_html(means)).rows
    assert [text for _, text in header[1]] == ["method", "digits", "shapes", "mean over datasets"]
    assert sorted(cells[0][1] for _, cells in body) == sorted(METHODS)
    assert all([tag for tag, _ in cells] == ["td"] * len(header[1]) for _, cells in body)
    assert all(kind is None for kind, _ in body)  # no row styled as an error row


def test_only_the_reader_error_rows_have_the_error_style():
    header, *body = Rows(mds_html(toy_scores({"shapes": TARGETS["shapes"]}))).rows
    assert all(len(cells) == len(header[1]) for _, cells in body)
    assert [(kind, cells[0][1]) for kind, cells in body] == [(None, m) for m in sorted(METHODS)] + [
        ("error", "judge held-out error"), ("error", "guide held-out error")]
    styled = [selector for selector, rules in re.findall(r"([^{}]+)\{([^}]*)\}", STYLE) if "italic" in rules]
    assert [s.strip() for s in styled] == ["tr.error td"]
