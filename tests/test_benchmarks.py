"""The pure helpers of the benchmark suite (``make bench``): percentiles, wrk's summary line, the report block.

The suite itself needs PostgreSQL, gunicorn and wrk and is run by hand; these keep its arithmetic honest.
"""

from __future__ import annotations

import pytest

from benchmarks import report
from benchmarks.load import _LUA, parse_wrk
from benchmarks.stats import median_p95, percentile


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.95) == 95.0
    assert percentile(samples, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
    assert median_p95([1.0, 2.0, 3.0, 4.0]) == (2.5, 4.0)


def test_reads_the_summary_line_of_the_lua_done_hook():
    output = (
        "Running 10s test @ http://127.0.0.1:8123\n  2 threads and 2 connections\n"
        "BENCH requests=523 duration_us=10004000 status_errors=0 socket_errors=1"
        " p50_us=36000 p95_us=52500 p99_us=80100\n"
    )
    result = parse_wrk(output)
    assert result.requests == 523
    assert result.per_second == pytest.approx(52.28, abs=0.01)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (36.0, 52.5, 80.1)
    assert result.errors == 1


def test_a_wrk_run_without_the_summary_line_is_an_error():
    with pytest.raises(RuntimeError, match="no summary"):
        parse_wrk("unable to connect to 127.0.0.1:8123 Connection refused\n")


def test_the_lua_script_asks_wrk_for_the_95th_percentile():
    script = _LUA % {"paths": '"/healthz"', "headers": '["X-Forwarded-Proto"] = "https"'}
    assert "latency:percentile(95)" in script
    assert "%%" not in script


def test_report_replaces_only_its_own_block(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n## Other\n\n<!-- other:start -->kept<!-- other:end -->\n\n"
        f"{report.SECTION}\n\nIntro kept.\n\n{report.MARK_START}\nold figures\n{report.MARK_END}\n\nOutro kept.\n",
        "utf-8",
    )

    report.write(["new figures"], path)

    text = path.read_text("utf-8")
    assert "old figures" not in text
    assert f"{report.MARK_START}\nnew figures\n{report.MARK_END}" in text
    assert "<!-- other:start -->kept<!-- other:end -->" in text
    assert "Intro kept." in text and "Outro kept." in text


def test_report_adds_its_section_the_first_time(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\nEarlier sections.\n", "utf-8")

    report.write(["figures"], path)

    text = path.read_text("utf-8")
    assert text.startswith("# Benchmarks\n\nEarlier sections.\n")
    assert f"{report.SECTION}\n\n{report.MARK_START}\nfigures\n{report.MARK_END}\n" in text


def test_report_renders_tables_and_targets():
    result = report.Report(machine={"CPU": "test CPU, 2 cores"})
    result.table("Pages", ["Page", "p95"], [["Patient page", "40.0 ms"]])
    result.target("Patient page p95", "< 150 ms", "40 ms", True)
    result.target("Bulk rescreen", ">= 500 patients/s", "120 patients/s", False)

    lines = result.lines()

    assert "- CPU: test CPU, 2 cores" in lines
    assert "| Patient page | 40.0 ms |" in lines
    assert "| Patient page p95 | < 150 ms | 40 ms | yes |" in lines
    assert "| Bulk rescreen | >= 500 patients/s | 120 patients/s | **no** |" in lines


def test_workers_sentence_goes_between_the_deployment_markers(tmp_path):
    path = tmp_path / "deployment.md"
    path.write_text(f"Adds {report.WORKERS_START}(not measured yet){report.WORKERS_END}.\n", "utf-8")

    assert report.write_workers_sentence("70% throughput", path)

    assert path.read_text("utf-8") == f"Adds {report.WORKERS_START}70% throughput{report.WORKERS_END}.\n"
    assert not report.write_workers_sentence("x", tmp_path / "missing.md")
