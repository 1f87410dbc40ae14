"""The report: printed, and written into docs/benchmarks.md between markers (the rest of the file is kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
DEPLOYMENT = REPORT.parent / "deployment.md"
WORKERS_START = "<!-- deployment-workers:start -->"
WORKERS_END = "<!-- deployment-workers:end -->"
MARK_START = "<!-- scale-benchmark:start -->"
MARK_END = "<!-- scale-benchmark:end -->"
SECTION = "## At clinic-network scale (`make bench`)"


@dataclass
class Report:
    machine: dict[str, str]
    population: list[str] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # title, header, rows
    targets: list[tuple[str, str, str, bool]] = field(default_factory=list)  # what, target, measured, met
    notes: list[str] = field(default_factory=list)
    workers_sentence: str = ""  # for docs/deployment.md

    def table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        self.tables.append((title, header, rows))

    def target(self, what: str, target: str, measured: str, met: bool) -> None:
        self.targets.append((what, target, measured, met))

    def lines(self) -> list[str]:
        out = ["Machine:", ""]
        out += [f"- {key}: {value}" for key, value in self.machine.items()]
        if self.population:
            out += ["", "Data:", ""]
            out += [f"- {line}" for line in self.population]
        for title, header, rows in self.tables:
            out += ["", f"**{title}**", "", _row(header), _row(["---"] + ["---:"] * (len(header) - 1))]
            out += [_row(row) for row in rows]
        if self.targets:
            out += ["", "**Targets**", "", _row(["Target", "Goal", "Measured", "Met"]), _row(["---"] * 4)]
            out += [
                _row([what, goal, measured, "yes" if met else "**no**"]) for what, goal, measured, met in self.targets
            ]
        if self.notes:
            out += [""] + [f"- {note}" for note in self.notes]
        return out


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def write(lines: list[str], path: Path = REPORT) -> None:
    """Replace the generated block in docs/benchmarks.md (adding the section the first time)."""
    block = "\n".join([MARK_START, *lines, MARK_END])
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n" + block + "\n"
    path.write_text(text, "utf-8")


def write_workers_sentence(text: str, path: Path = DEPLOYMENT) -> bool:
    """Put the measured one-against-two-workers figures into docs/deployment.md (False if it has no markers)."""
    if not path.exists():
        return False
    content = path.read_text("utf-8")
    if WORKERS_START not in content or WORKERS_END not in content:
        return False
    before, rest = content.split(WORKERS_START, 1)
    after = rest.split(WORKERS_END, 1)[1]
    path.write_text(before + WORKERS_START + text + WORKERS_END + after, "utf-8")
    return True
