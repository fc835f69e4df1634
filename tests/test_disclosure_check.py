"""``check-disclosure`` (issue 13): a folder of public metrics.json files, audited as a reader
holding every page of the year would."""

from __future__ import annotations

import json

from qa_analysis.cli import main
from qa_analysis.disclosure_check import check_folder

Q3 = "2020-21 Q3"


def _visits(other_video, facetime):
    # total 271 = face to face 136 + virtual 135; virtual = zoom 34 + whatsapp 23 + teams 43
    # + facetime 8 + phone 23 + other_video 4 (the 2020-21 Q3 demo figures of the issue).
    return {
        "visits.total": 271, "visits.face_to_face": 136, "visits.virtual": 135,
        "visits.method.home": 109, "visits.method.office": 6, "visits.method.school": 12,
        "visits.method.other": 9, "visits.method.zoom": 34, "visits.method.whatsapp": 23,
        "visits.method.teams": 43, "visits.method.facetime": facetime, "visits.method.phone": 23,
        "visits.method.other_video": other_video,
    }


def _write(folder, metrics, audience="public"):
    page = folder / "2020-21_Q3"
    page.mkdir(parents=True, exist_ok=True)
    (page / "metrics.json").write_text(json.dumps({"quarter": Q3, "metrics": metrics, "audience": audience}))
    return folder


def test_a_folder_with_the_secondary_suppression_in_place_passes(tmp_path):
    # other_video c and facetime c: virtual 135 - 34 - 23 - 43 - 23 = 12 = facetime + other_video,
    # so other_video could be 1 to 11: nothing can be worked out.
    folder = _write(tmp_path, _visits("c", "c"))

    pages = check_folder(folder)

    assert [(p.path, p.published, p.hidden, p.findings) for p in pages] == [("2020-21_Q3/metrics.json", 13, 2, [])]


def test_a_weakened_folder_names_the_recovered_cell_and_its_relation(tmp_path):
    # facetime's secondary suppression removed: 135 - 34 - 23 - 43 - 8 - 23 = 4.
    folder = _write(tmp_path, _visits("c", 8))

    (finding,) = check_folder(folder)[0].findings

    assert (finding.cell, finding.low, finding.high) == (f"{Q3}|visits.method.other_video", 4, 4)
    assert finding.relations[0].describe() == (
        f"{Q3}|visits.virtual = {Q3}|visits.method.zoom + {Q3}|visits.method.whatsapp + "
        f"{Q3}|visits.method.teams + {Q3}|visits.method.facetime + {Q3}|visits.method.phone + "
        f"{Q3}|visits.method.other_video"
    )


def test_the_command_exits_non_zero_and_prints_the_disclosure(tmp_path, capsys):
    folder = _write(tmp_path, _visits("c", 8))

    code = main(["check-disclosure", str(folder)])

    out = capsys.readouterr().out
    assert code == 1
    assert f"{Q3}|visits.method.other_video is 4, from {Q3}|visits.virtual = " in out
    assert "2020-21_Q3/metrics.json: 13 cells published, 1 hidden, 1 can be worked out" in out


def test_the_command_exits_zero_on_a_protected_folder(tmp_path, capsys):
    folder = _write(tmp_path, _visits("c", "c"))

    code = main(["check-disclosure", str(folder)])

    assert code == 0
    assert capsys.readouterr().out.strip().endswith(
        "OK: 0 hidden figure(s) can be worked out across 0 HTML page(s) and 1 metrics.json file(s)."
    )


def test_each_html_page_is_reported_with_the_cells_it_shows_and_its_own_disclosures(tmp_path):
    # The weakened visits figures (13 cells, other_video c and recoverable as 4) plus one
    # contacts figure: visits.html shows the 13 visits cells and the finding; referrals.html
    # shows the one contacts cell and nothing that can be worked out; the index shows none.
    folder = _write(tmp_path, {**_visits("c", 8), "contacts.total": 133})
    for name in ("visits", "referrals", "index"):
        (folder / "2020-21_Q3" / f"{name}.html").write_text("<html></html>")

    pages = check_folder(folder)

    assert [(p.path, p.published, p.hidden, len(p.findings)) for p in pages] == [
        ("2020-21_Q3/metrics.json", 14, 1, 1),
        ("2020-21_Q3/referrals.html", 1, 0, 0),
        ("2020-21_Q3/visits.html", 13, 1, 1),
    ]


def test_internal_folders_are_not_audited(tmp_path, capsys):
    folder = _write(tmp_path, _visits(4, 8), audience="internal")

    code = main(["check-disclosure", str(folder)])

    assert code == 1
    assert "No public report" in capsys.readouterr().err
