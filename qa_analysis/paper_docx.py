"""The annual report as the Word document councils file (python-docx; issue 15).

:func:`write_docx` writes the sections of :func:`qa_analysis.paper.annual_report` in the
layout of a council committee report: A4, the header table (committee, date, subject,
public or not, report of, report author: roles, never names), Summary, Recommendation,
Main Report (Background, Current Position, Conclusion) with numbered paragraphs, then the
appendices, each on a new page, with the charts as images (caption above, text
alternative set) and the tables as real Word tables (header row repeated, rows never split
across pages). Without an audit programme the evidence base is written the same way.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import charts

__all__ = ["write_docx"]

FONT = "Arial"
CHART_WIDTH = Mm(160)


def _setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_height, section.page_width = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(22))
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11), ("Heading 4", 11)):
        style = document.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _runs(paragraph, text: str) -> None:
    """Markdown-light text: **bold** kept as bold, `code` and other marks as plain text."""
    for part in re.split(r"(\*\*[^*]+\*\*)", text):
        if not part:
            continue
        bold = part.startswith("**") and part.endswith("**")
        paragraph.add_run((part[2:-2] if bold else part).replace("`", "")).bold = bold or None


def _markdown(document, text: str) -> None:
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.splitlines()
        if all(line.lstrip().startswith("- ") for line in lines):
            for line in lines:
                _runs(document.add_paragraph(style="List Bullet"), line.lstrip()[2:])
        elif chunk.startswith("#"):
            level = len(chunk) - len(chunk.lstrip("#"))
            document.add_heading(chunk.lstrip("#").strip(), level=0 if level == 1 else min(level - 1, 4))
        else:
            _runs(document.add_paragraph(), " ".join(line.strip() for line in lines))


def _no_split(row) -> None:
    properties = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    properties.append(cant)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    properties.append(header)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _caption(document, text: str):
    paragraph = document.add_paragraph(style="Caption")
    paragraph.add_run(text)
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _table(document, frame: pd.DataFrame, caption: str) -> None:
    _caption(document, caption)
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    for cell, column in zip(table.rows[0].cells, frame.columns, strict=True):
        words = str(column).replace("_", " ")
        cell.paragraphs[0].add_run(words[:1].upper() + words[1:]).bold = True
    _repeat_header(table.rows[0])
    _no_split(table.rows[0])
    for values in frame.itertuples(index=False):
        row = table.add_row()
        _no_split(row)
        for cell, value, is_number in zip(row.cells, values, numeric, strict=True):
            cell.text = _cell_text(value)
            if is_number or cell.text == "c":
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    document.add_paragraph()


def _chart(document, chart) -> None:
    if isinstance(chart, charts.Withheld):  # public: a chart of mostly hidden figures is a sentence
        document.add_paragraph(chart.sentence)
        return
    _caption(document, chart.title)
    document.add_picture(io.BytesIO(charts.to_png_bytes(chart, include_title=False)), width=CHART_WIDTH)
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for properties in picture._p.iter(qn("wp:docPr")):
        properties.set("descr", chart.alt)
        properties.set("title", chart.title)


def _header_table(document, rows) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Mm(42), Mm(124))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(f"{label}:").bold = True
        cells[1].paragraphs[0].add_run(value)
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
    document.add_paragraph()


def _footer(document, text: str) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.text = text
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in paragraph.runs:
        run.font.size = Pt(8)


def _numbered(document, items, start: int) -> int:
    for offset, text in enumerate(items):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(10)
        paragraph.paragraph_format.first_line_indent = Mm(-10)
        paragraph.add_run(f"{start + offset}.\t{text}")
    return start + len(items)


def build_document(report, authority: str = ""):
    """The python-docx Document of ``report`` (a ``paper.AnnualReport``)."""
    document = Document()
    _setup(document)
    if authority:
        top = document.add_paragraph()
        top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        top.add_run(authority).bold = True
    number = 1
    for section in report.sections:
        if section.key == "intro" and report.paper:
            continue  # the header table says what this paper is
        if section.key == "header":
            _header_table(document, report.header)
            continue
        appendix = section.key not in {"summary", "recommendation", "main_report", "appendices", "intro"}
        if report.paper and appendix:
            document.add_page_break()
        for block in section.blocks:
            if block.kind == "heading":
                level = block.level - 1 if block.level > 1 else 0
                document.add_heading(block.text, level=min(max(level, 1), 4))
            elif block.kind == "text":
                _markdown(document, block.text)
            elif block.kind == "paragraphs":
                if block.numbered and report.paper:
                    number = _numbered(document, block.items, number)
                else:
                    for text in block.items:
                        document.add_paragraph(text)
            elif block.kind == "bullets":
                for item in block.items:
                    _runs(document.add_paragraph(style="List Bullet"), item)
            elif block.kind == "table" and block.frame is not None:
                _table(document, block.frame, block.caption)
            elif block.kind == "chart":
                _chart(document, block.chart)
            elif block.kind == "html":
                if block.items:
                    document.add_paragraph(block.text)
                    for item in block.items:
                        document.add_paragraph(item, style="List Bullet")
                if block.frame is not None:
                    _table(document, block.frame, block.caption)
        if section.key == "appendices":
            letters = [s for s in report.sections if s.blocks and s.blocks[0].kind == "heading"
                       and s.blocks[0].text.startswith("Appendix ")]
            for s in letters:
                document.add_paragraph(s.blocks[0].text, style="List Bullet")
    public = "Public" if report.audience == "public" else "Non-public: internal use only"
    _footer(document, f"{report.title}. {public}.")
    return document


def write_docx(report, path, authority: str = "") -> Path:
    """Write ``report`` to ``path`` (a .docx), atomically: a half-written file never stands
    under the final name. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = build_document(report, authority)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".docx")
    os.close(handle)
    try:
        document.save(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as any other output file, not mkstemp's 0600
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path
