"""Build the demo batch in transcripts/ from canonical .txt drafts, one format per interview.

Run once by the maintainers (``python tools/build_demo.py tools/demo_src transcripts``); the
demo batch it wrote is committed. It shows every input format of ``inputs.md`` on real
interviews: timestamps, custom speaker labels, BOM + CRLF, UTF-16, Latin-1, Word with a persona
table, WebVTT and SubRip with sidecars and cues split mid-sentence.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROLE_LABEL = {"Pewawancara": "interviewer", "Informan": "informant"}


def parse_draft(path: Path) -> tuple[dict, list[tuple[str, str]]]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    persona = yaml.safe_load(front)
    turns = []
    for line in body.strip().splitlines():
        label, speech = line.split(":", 1)
        turns.append((label.strip(), speech.strip()))
    return persona, turns


def front_matter(persona: dict) -> str:
    return "---\n" + yaml.safe_dump(persona, allow_unicode=True, sort_keys=False) + "---\n"


def canonical(persona, turns) -> str:
    return front_matter(persona) + "".join(f"{label}: {speech}\n" for label, speech in turns)


def clock(seconds: int) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def with_timestamps(persona, turns) -> str:
    lines, t = [], 5
    for i, (label, speech) in enumerate(turns):
        short = "P" if label == "Pewawancara" else "I"
        stamp = f"[{clock(t)}]" if i % 3 else clock(t)
        lines.append(f"{stamp} {short}: {speech}\n")
        t += 4 + len(speech) // 15
    return front_matter(persona) + "".join(lines)


def with_custom_speakers(persona, turns) -> str:
    informant = f"Acil {persona['name'].split()[0]}"
    persona = {**persona, "speakers": {"Tim": "interviewer", informant: "informant"}}
    labels = {"Pewawancara": "Tim", "Informan": informant}
    return front_matter(persona) + "".join(f"{labels[lb]}: {sp}\n" for lb, sp in turns)


def cues(speech: str, size: int = 9) -> list[str]:
    """Split a turn into cue texts of about ``size`` words, often mid-sentence."""
    words = speech.split()
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)] or [""]


def to_vtt(turns) -> str:
    out, t, n = ["WEBVTT", ""], 3.0, 1
    for label, speech in turns:
        for part in cues(speech):
            end = t + 1.5 + len(part) / 18
            out += [f"{n}", f"{vtt_time(t)} --> {vtt_time(end)}", f"<v {label}>{part}</v>", ""]
            t, n = end + 0.2, n + 1
    return "\n".join(out)


def to_srt(turns) -> str:
    out, t, n = [], 2.0, 1
    for label, speech in turns:
        for k, part in enumerate(cues(speech, 11)):
            end = t + 1.5 + len(part) / 18
            text = f"{label}: {part}" if k == 0 else part
            out += [f"{n}", f"{vtt_time(t, ',')} --> {vtt_time(end, ',')}", text, ""]
            t, n = end + 0.2, n + 1
    return "\n".join(out)


def vtt_time(seconds: float, sep: str = ".") -> str:
    ms = int(round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_docx(persona, turns, path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for key, value in persona.items():
        row = table.add_row().cells
        row[0].text, row[1].text = str(key), str(value)
    for label, speech in turns:
        document.add_paragraph(f"{label}: {speech}")
    document.core_properties.author = "jejak"
    document.save(str(path))


def build(src: Path, dest: Path) -> None:
    drafts = {p.stem: parse_draft(p) for p in sorted(src.glob("*.txt"))}
    dest.mkdir(parents=True, exist_ok=True)
    writers = {
        "D01": lambda p, t: (dest / "D01.txt").write_text(canonical(p, t), encoding="utf-8"),
        "D02": lambda p, t: (dest / "D02.txt").write_text(with_timestamps(p, t),
                                                          encoding="utf-8"),
        "D03": lambda p, t: (dest / "D03.txt").write_text(with_custom_speakers(p, t),
                                                          encoding="utf-8"),
        "D04": lambda p, t: (dest / "D04.txt").write_bytes(
            b"\xef\xbb\xbf" + canonical(p, t).replace("\n", "\r\n").encode("utf-8")),
        "D05": lambda p, t: (dest / "D05.txt").write_bytes(canonical(p, t).encode("utf-16")),
        "D06": lambda p, t: to_docx(p, t, dest / "D06.docx"),
        "D07": lambda p, t: ((dest / "D07.vtt").write_text(to_vtt(t), encoding="utf-8"),
                             (dest / "D07.meta.yaml").write_text(
                                 yaml.safe_dump(p, allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")),
        "D08": lambda p, t: ((dest / "D08.srt").write_text(to_srt(t), encoding="utf-8"),
                             (dest / "D08.meta.yaml").write_text(
                                 yaml.safe_dump(p, allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")),
        "D09": lambda p, t: (dest / "D09.md").write_text(canonical(p, t), encoding="utf-8"),
        "D10": lambda p, t: (dest / "D10.txt").write_bytes(
            canonical(p, t).encode("cp1252", errors="strict")),
    }
    for stem, (persona, turns) in drafts.items():
        writers[stem](persona, turns)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
    print("demo batch written", file=sys.stderr)
