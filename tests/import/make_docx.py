"""Writes a Word bulletin with python-docx, as an office would lay one out, for tests/import.rs.

    python3 tests/import/make_docx.py OUT.docx

A Title, a heading "A message from Dr Brian Balmer" with two paragraphs, then sections as
Heading 1 (one with a Heading 2 inside), bold and italic runs, a hyperlink (python-docx has no
call for one, so it is built from its XML as Word writes it: a w:hyperlink whose r:id names an
external relationship), an http:// link, bullets nested with "List Bullet 2", a numbered list,
a Shift+Enter line break, a table of two columns and one of three, and a picture-free document
otherwise.
"""

import sys

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def hyperlink(paragraph, url, text):
    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def main(out):
    d = docx.Document()
    d.add_heading("Improving access for patients and supporting general practice", level=0)

    d.add_heading("A message from Dr Brian Balmer", level=1)
    d.add_paragraph("Thank you all for your hard work this winter.")
    p = d.add_paragraph("The plan was published on ")
    p.add_run("Thursday").bold = True
    p.add_run(" and we have ")
    p.add_run("many").italic = True
    p.add_run(" questions about it.")
    p = d.add_paragraph("Best wishes,")
    p.add_run().add_break()
    p.add_run("Brian")

    d.add_heading("Flu vaccinations", level=1)
    p = d.add_paragraph("Read the ")
    hyperlink(p, "https://www.england.nhs.uk/flu/", "flu letter (PDF)")
    p.add_run(" before ordering; the old page at ")
    hyperlink(p, "http://www.example.org/old-flu", "the old site")
    p.add_run(" is out of date.")
    d.add_paragraph("Order the vaccines by Friday", style="List Bullet")
    d.add_paragraph("Book the rooms", style="List Bullet")
    d.add_paragraph("one room per clinic", style="List Bullet 2")
    d.add_paragraph("Tell patients aged 50 to 64", style="List Bullet")
    d.add_heading("How to claim", level=2)
    d.add_paragraph("Record each dose", style="List Number")
    d.add_paragraph("Submit the claim on CQRS", style="List Number")

    d.add_heading("Opening hours over Christmas", level=1)
    t = d.add_table(rows=3, cols=2)
    for row, (day, hours) in zip(t.rows, [("24 December", "9am to 1pm"),
                                          ("27 and 28 December", "closed"),
                                          ("31 December", "8am to 4pm")]):
        row.cells[0].text = day
        row.cells[1].text = hours
    d.add_paragraph("Deliveries by practice:")
    t = d.add_table(rows=2, cols=3)
    for row, cells in zip(t.rows, [("Practice", "Doses", "Delivery"),
                                    ("Brentwood Road", "1,200", "4 October")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.add_paragraph("Call 111 when the practice is closed.")
    d.save(out)


if __name__ == "__main__":
    main(sys.argv[1])
