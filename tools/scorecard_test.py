#!/usr/bin/env python3
"""Tests of tools/scorecard.py's rendering (python3 tools/scorecard_test.py)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scorecard  # noqa: E402

RESULT = {
    "workload": {"name": "mixed", "cycles": 1000, "ws": 400, "seed": 1234567, "min_size": 16,
                 "max_size": 1039, "threads": 1, "runs": 3},
    "allocators": [
        {"name": "hakmem-fast", "library": "/x/libhakmem.so", "median_ops_per_s": 120e6, "cv": 0.012,
         "min_ops_per_s": 110e6, "max_ops_per_s": 130e6, "vs_mimalloc": 1.2, "vs_glibc": 2.0,
         "peak_rss_mib": 6.25, "max_peak_rss_mib": 6.5, "syscalls_per_op": {"mmap": 2e-6, "munmap": 0, "madvise": 0, "mremap": 0, "brk": 0},
         "ops_per_s_runs": [110e6, 120e6, 130e6]},
        {"name": "glibc", "library": "/lib/libc.so.6", "median_ops_per_s": 60e6, "cv": 0.0,
         "min_ops_per_s": 60e6, "max_ops_per_s": 60e6, "vs_mimalloc": None, "vs_glibc": 1.0,
         "peak_rss_mib": 5.5, "max_peak_rss_mib": 5.5, "syscalls_per_op": None, "ops_per_s_runs": [60e6]},
    ],
}


# What //benchmarks:mixed_worker_floors writes (benchmarks/allocator_matrix.bzl).
FLOORS_MANIFEST = ("noop\thakmem/benchmarks/mixed_worker_floor_noop\tno-op allocator\n"
                   "bare_list\thakmem/benchmarks/mixed_worker_floor_bare_list\tbare free list\n")


class RenderTest(unittest.TestCase):
    def test_table_has_one_row_per_allocator_and_every_column(self):
        lines = scorecard.render_table(RESULT).splitlines()
        self.assertEqual(len(lines), 2 + len(RESULT["allocators"]))
        self.assertEqual(lines[0].count("|"), lines[2].count("|"))
        for column in ("median Mops/s", "CV %", "x mimalloc", "x glibc", "peak RSS MiB", "max RSS MiB", "mmap/op",
                       "brk/op"):
            self.assertIn(column, lines[0])
        self.assertEqual(lines[2], "| hakmem-fast | 120.00 | 1.2 | 110.00 | 130.00 | 1.20 | 2.00 | 6.25 | 6.50 "
                                   "| 2.00e-06 | 0 | 0 | 0 | 0 |")
        self.assertIn("| - | 1.00 |", lines[3])
        self.assertTrue(lines[3].endswith("| n/a | n/a | n/a | n/a | n/a |"))

    def test_scorecard_names_machine_command_and_workload(self):
        facts = {"date": "2030-01-01 00:00 UTC", "cpu": "Test CPU", "cores": "2", "kernel": "6.0",
                 "compiler": "g++ 12", "load": "0.10 / 0.20 / 0.30"}
        text = scorecard.render_scorecard(facts, "tools/scorecard.py --runs=3", [("bazel-bin/benchmarks/mixed", RESULT)])
        for needle in ("| date | 2030-01-01 00:00 UTC |", "| CPU | Test CPU (2 cores) |", "| kernel | 6.0 |", "| 0.10 / 0.20 / 0.30 |",
                       "`tools/scorecard.py --runs=3`", "## ws=400, cycles=1000, threads=1, runs=3",
                       "| hakmem-fast |"):
            self.assertIn(needle, text)


def runner_result(ws, threads, rows):
    """A runner --json result with allocators given as name -> (vs_mimalloc, cv, peak RSS MiB, calls per op).

    Medians are 100 M ops/s times vs_mimalloc (or 100 M when that is None)."""
    allocators = []
    for name, (vs_mimalloc, cv, rss, calls) in rows.items():
        median = 100e6 * (vs_mimalloc or 1.0)
        allocators.append({"name": name, "library": "/x", "median_ops_per_s": median, "cv": cv,
                           "min_ops_per_s": 90e6, "max_ops_per_s": 110e6, "vs_mimalloc": vs_mimalloc,
                           "vs_glibc": 1.5, "peak_rss_mib": rss, "max_peak_rss_mib": rss + 0.1,
                           "syscalls_per_op": None if calls is None else {"mmap": calls, "munmap": 0, "madvise": 0,
                                                                           "mremap": 0, "brk": 0},
                           "ops_per_s_runs": [100e6]})
    return {"workload": {"name": "mixed", "cycles": 1000, "ws": ws, "seed": 1, "min_size": 16, "max_size": 1039,
                         "threads": threads, "runs": 10}, "allocators": allocators}


LARSON_TABLE = """benchmark                      hakmem ns  glibc ns  mimalloc ns  jemalloc ns  hakmem xmimalloc  glibc xmimalloc  jemalloc xmimalloc
BM_Larson/real_time/threads:1       4.80     13.74         5.03         7.37              1.05             0.37                0.68
BM_Larson/real_time/threads:2       8.59     22.93        10.60         3.97              1.23             0.46                2.67
ns: real time per iteration (median over repetitions); xmimalloc: mimalloc's time / this allocator's time (above 1 = faster).
"""


class TargetsTest(unittest.TestCase):
    """The targets table reads each target's figure from the right table and row, and says when one is missed."""

    def runs(self, fast_400=1.08, balanced_rss_400=3.6, cv=0.012, calls=0.0, threads_4=1.3):
        return [
            runner_result(8192, 1, {"hakmem-fast": (1.15, 0.021 if cv is None else cv, 6.2, calls),
                                    "hakmem-balanced": (1.14, 0.019, 5.9, None), "mimalloc": (1.0, 0.015, 6.3, 1e-7)}),
            runner_result(400, 1, {"hakmem-fast": (fast_400, 0.01, 3.7, 0.0),
                                   "hakmem-balanced": (1.08, 0.011, balanced_rss_400, None),
                                   "mimalloc": (1.0, 0.013, 3.5, 0.0)}),
            runner_result(8192, 2, {"hakmem-fast": (1.16, 0.05, 14.1, 0.0), "mimalloc": (1.0, 0.05, 14.0, 0.0)}),
            runner_result(8192, 4, {"hakmem-fast": (threads_4, 0.16, 25.0, 0.0), "mimalloc": (1.0, 0.2, 25.2, 0.0)}),
        ]

    def test_every_target_with_its_figure(self):
        rows = scorecard.target_rows(self.runs(), scorecard.parse_micro_table(LARSON_TABLE))
        self.assertEqual(rows, [
            ("Mixed ws=8192, FAST", ">= 1.10 x mimalloc", "1.15 x", True),
            ("Mixed ws=400, FAST", ">= 1.10 x mimalloc", "1.08 x", False),
            ("Mixed ws=8192, BALANCED", ">= 1.00 x mimalloc, peak RSS <= mimalloc's",
             "1.14 x, peak RSS (median) 5.90 vs 6.30 MiB", True),
            ("Mixed ws=400, BALANCED", ">= 1.00 x mimalloc, peak RSS <= mimalloc's",
             "1.08 x, peak RSS (median) 3.60 vs 3.50 MiB", False),
            ("Mixed ws=8192, 2 threads, FAST", ">= 1.00 x mimalloc", "1.16 x", True),
            ("Mixed ws=8192, 4 threads, FAST", ">= 1.00 x mimalloc", "1.30 x", True),
            ("Larson-style churn, 2 threads, FAST", ">= 1.00 x mimalloc", "1.23 x", True),
            ("OS calls per operation after warm-up, FAST (largest of the single-threaded tables)", "<= 1e-08", "0", True),
            ("CV over the runs, FAST (largest of the single-threaded tables)", "<= 2 %", "1.2 %", True),
        ])

    def test_balanced_rss_compares_medians_not_the_largest_run(self):
        runs = self.runs(balanced_rss_400=3.45)
        balanced_400 = scorecard.allocator_row(runs[1], "hakmem-balanced")
        balanced_400["max_peak_rss_mib"] = 3.9  # one run above all of mimalloc's
        rows = {row[0]: row for row in scorecard.target_rows(runs, {})}
        self.assertEqual(rows["Mixed ws=400, BALANCED"][2:], ("1.08 x, peak RSS (median) 3.45 vs 3.50 MiB", True))

    def test_floors_shown_beside_the_fast_figure(self):
        runs = self.runs()
        runs[1]["allocators"] += runner_result(400, 1, {"floor-noop": (1.14, 0.01, 3.1, 0.0),
                                                        "floor-bare-list": (1.10, 0.01, 3.5, 0.0)})["allocators"]
        rows = {row[0]: row for row in scorecard.target_rows(runs, {}, scorecard.parse_floors(FLOORS_MANIFEST))}
        self.assertEqual(rows["Mixed ws=400, FAST"][2:],
                         ("1.08 x (no-op allocator 1.14 x, bare free list 1.10 x)", False))
        self.assertEqual(rows["Mixed ws=8192, FAST"][2], "1.15 x")
        # A floor is no hakmem profile: the CV and OS-call targets still read hakmem-fast only.
        self.assertEqual(rows["CV over the runs, FAST (largest of the single-threaded tables)"][2], "1.2 %")

    def test_floors_come_from_their_manifest(self):
        self.assertEqual(scorecard.parse_floors(FLOORS_MANIFEST), [
            ("floor-noop", "benchmarks/mixed_worker_floor_noop", "no-op allocator"),
            ("floor-bare-list", "benchmarks/mixed_worker_floor_bare_list", "bare free list"),
        ])
        self.assertEqual(scorecard.parse_floors(""), [])

    def test_floor_costs_per_operation(self):
        self.assertEqual(scorecard.render_floor_costs(self.runs()), "")
        runs = self.runs()[:2]
        for result in runs:
            result["allocators"] += runner_result(0, 1, {"floor-noop": (1.25, 0.01, 3.1, 0.0)})["allocators"]
        lines = scorecard.render_floor_costs(runs).splitlines()
        self.assertEqual(lines[0], "## What the workload costs by itself")
        self.assertIn("| allocator | ws=8192 ns/op | above no-op | ws=400 ns/op | above no-op |", lines)
        # mimalloc: 1e9 / 100e6 = 10 ns; the no-op allocator 1e9 / 125e6 = 8 ns.
        self.assertIn("| mimalloc | 10.00 | +2.00 | 10.00 | +2.00 |", lines)
        self.assertIn("| hakmem-fast | 8.70 | +0.70 | 9.26 | +1.26 |", lines)
        self.assertIn("| floor-noop | 8.00 | +0.00 | 8.00 | +0.00 |", lines)
        text = scorecard.render_scorecard(FACTS, "tools/scorecard.py", [("mixed", r) for r in runs])
        self.assertLess(text.index("## ws=400"), text.index("## What the workload costs by itself"))

    def test_misses_and_missing_figures(self):
        rows = {row[0]: row for row in scorecard.target_rows(self.runs(cv=0.03, calls=2e-8, threads_4=0.9), {})}
        self.assertEqual(rows["Mixed ws=8192, 4 threads, FAST"][3], False)
        self.assertEqual(rows["Larson-style churn, 2 threads, FAST"][2:], ("n/a", None))
        self.assertEqual(rows["OS calls per operation after warm-up, FAST (largest of the single-threaded tables)"][2:],
                         ("2.00e-08", False))
        self.assertEqual(rows["CV over the runs, FAST (largest of the single-threaded tables)"][2:], ("3.0 %", False))

    def test_rendered_before_the_tables_with_the_larson_table(self):
        runs = [("bazel-bin/benchmarks/mixed --ws=%d" % r["workload"]["ws"], r) for r in self.runs()]
        text = scorecard.render_scorecard(FACTS, "tools/scorecard.py", runs, ("micro --filter=BM_Larson", LARSON_TABLE))
        self.assertLess(text.index("## Targets"), text.index("## ws=8192, cycles=1000, threads=1"))
        self.assertIn("| Mixed ws=400, FAST | >= 1.10 x mimalloc | 1.08 x | **no** |", text)
        self.assertIn("| Mixed ws=8192, 2 threads, FAST | >= 1.00 x mimalloc | 1.16 x | yes |", text)
        self.assertIn("## ws=8192, cycles=1000, threads=4, runs=10", text)
        self.assertIn("## Larson-style churn", text)
        self.assertIn("```\n" + LARSON_TABLE.strip("\n") + "\n```", text)
        for line in text.splitlines():
            if line.startswith("| Mixed") or line.startswith("| measure"):
                self.assertEqual(line.count("|"), 5, line)


FACTS = {"date": "2030-01-01 00:00 UTC", "cpu": "Test CPU", "cores": "2", "kernel": "6.0", "compiler": "g++ 12",
         "load": "0.10 / 0.20 / 0.30"}
JAN_1_2030 = 1893456000  # 2030-01-01 00:00 UTC


def soak_entry(label, **figures):
    """One file of soak_analyze --json's document: a steady, passing, untraced run unless `figures` say otherwise."""
    entry = {
        "path": "/s/soak_%s.csv" % label, "label": label, "duration_s": 3600.0, "epochs": 3600, "warmup_epochs": 360,
        "warmup_end_s": 360.0, "measured_epochs": 3240, "short_epochs_excluded": 0, "window_epochs": 324,
        "ops_after_warmup": 7.8e9, "rss_baseline_mib": 8.5, "rss_final_mib": 8.51, "rss_peak_mib": 8.61,
        "rss_drift_pct": 0.117647, "rss_slope_mib_per_hour": 0.02, "ops_baseline": 100e6, "ops_final": 98.5e6,
        "ops_drift_pct": -1.5,
        "throughput": {"epochs": 3240, "mean": 100e6, "median": 103.5e6, "p50": 103.5e6, "p90": 105e6,
                       "p99": 106e6, "p99_9": 106.5e6, "min": 90e6, "max": 107e6, "stddev": 1.25e6, "cv_pct": 1.25},
        "tail": None, "syscalls": None, "allocator_syscalls": None,
        "verdict": {"pass": True, "checks": ["cv 1.25% <= 2.00%"], "breaches": []},
        "finished_unix": JAN_1_2030 + 3600,
    }
    entry.update(figures)
    return entry


def budget(total, **per_kind):
    calls = {"mmap_per_op": 0, "munmap_per_op": 0, "madvise_per_op": 0, "mremap_per_op": 0, "brk_per_op": 0,
             "total_per_op": total, "calls_after_warmup": 0}
    calls.update(per_kind)
    return calls


# hakmem FAST, BALANCED (untraced) and glibc, given out of the table's order.
SOAK = {
    "files": [
        soak_entry("glibc", duration_s=3600.5, finished_unix=JAN_1_2030 + 7200,
                   syscalls=budget(13 / 7.8e9, brk_per_op=13 / 7.8e9, calls_after_warmup=13),
                   verdict={"pass": False, "checks": [], "breaches": ["cv 18.60% > 2.00%", "ops_drift -7.00% < -5.00%"]}),
        soak_entry("hakmem_balanced", rss_drift_pct=None, allocator_syscalls=budget(2e-6)),
        soak_entry("hakmem_fast", syscalls=budget(0), allocator_syscalls=budget(0)),
    ],
    "rejected": [],
}


class SoakRenderTest(unittest.TestCase):
    def test_one_row_per_run_hakmem_first(self):
        section = scorecard.render_soak_section(SOAK, "/s")
        rows = [line for line in section.splitlines() if line.startswith("| ")]
        self.assertEqual(rows[0], "| run | duration | RSS MiB baseline → final | RSS drift % | RSS peak MiB | ops/s drift % "
                                  "| CV % | median Mops/s | syscalls/op after warm-up (traced) | verdict |")
        self.assertEqual(rows[1:], [
            "| hakmem_fast | 60.0 min | 8.50 → 8.51 | +0.12 | 8.61 | -1.50 | 1.25 | 103.50 "
            "| 0 (no calls); allocator's own count 0 | PASS |",
            "| hakmem_balanced | 60.0 min | 8.50 → 8.51 | n/a | 8.61 | -1.50 | 1.25 | 103.50 "
            "| not traced; allocator's own count 2.00e-06 | PASS |",
            "| glibc | 60.0 min | 8.50 → 8.51 | +0.12 | 8.61 | -1.50 | 1.25 | 103.50 | 1.67e-09 (13 brk) "
            "| FAIL: cv 18.60% > 2.00%; ops_drift -7.00% < -5.00% |",
        ])
        header_cells = rows[0].count("|")
        for line in section.splitlines():
            if line.startswith("|"):
                self.assertEqual(line.count("|"), header_cells, line)

    def test_section_says_how_to_run_and_when_and_keeps_the_notes(self):
        notes = "Ran on a quiet machine.\n\n- load below 1\n"
        section = scorecard.render_soak_section(SOAK, "/s", notes)
        lines = section.splitlines()
        self.assertEqual(lines[0], scorecard.SOAK_MARKER)
        self.assertIn("## Soak", lines)
        for needle in ("[docs/SOAK.md](SOAK.md)", "tools/bazel run //soak:mixed -- --duration=60m --out_dir=soak_results",
                       "--config=balanced //soak:mixed", "tools/scorecard.py --soak_dir=soak_results --soak_only",
                       "3 CSVs in `/s`, run between 2030-01-01 00:00 and 02:00 UTC", "60.0 min each."):
            self.assertIn(needle, section)
        # The notes come verbatim after the table, set off by a blank line.
        self.assertTrue(section.endswith("| FAIL: cv 18.60% > 2.00%; ops_drift -7.00% < -5.00% |\n\n" + notes), section)

    def test_durations_dates_and_cells(self):
        short = {"files": [soak_entry("glibc", duration_s=10.2, finished_unix=JAN_1_2030 + 86400),
                           soak_entry("mimalloc", duration_s=12.0, finished_unix=None)], "rejected": []}
        section = scorecard.render_soak_section(short, "try")
        self.assertIn("run at an unknown date (from the files' modification times), 10 s to 12 s long.", section)
        two_days = {"files": [soak_entry("glibc", duration_s=7200, finished_unix=JAN_1_2030 + 3600)], "rejected": []}
        self.assertIn("1 CSV in `try`, run between 2029-12-31 23:00 and 2030-01-01 01:00 UTC",
                      scorecard.render_soak_section(two_days, "try"))
        self.assertIn("| a\\|b |", scorecard.render_soak_row(soak_entry("a|b")))

    def test_dates_say_where_they_come_from(self):
        clock = {"files": [soak_entry("glibc", finished_from=scorecard.FINISHED_FROM_CLOCK)], "rejected": []}
        self.assertIn("UTC (from the CSVs' `unix_time` column), 60.0 min each.",
                      scorecard.render_soak_section(clock, "d"))
        both = {"files": [soak_entry("glibc", finished_from=scorecard.FINISHED_FROM_CLOCK),
                          soak_entry("mimalloc", finished_from=scorecard.FINISHED_FROM_MTIME)], "rejected": []}
        self.assertIn("(from the CSVs' `unix_time` column and the files' modification times)",
                      scorecard.render_soak_section(both, "d"))


class CsvFinishedUnixTest(unittest.TestCase):
    """A run's end comes from its last row's unix_time, which survives a clone; older CSVs have none."""

    def finished(self, text):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "soak_x.csv")
            with open(path, "w") as csv_file:
                csv_file.write(text)
            return scorecard.csv_finished_unix(path)

    def test_last_rows_clock(self):
        self.assertEqual(self.finished("epoch,elapsed_s,unix_time\n1,1.0,1893456001.250\n2,2.0,1893456002.500\n"),
                         1893456002.5)

    def test_csvs_without_the_column_or_a_value(self):
        self.assertIsNone(self.finished("epoch,elapsed_s\n1,1.0\n"))
        self.assertIsNone(self.finished("epoch,elapsed_s,unix_time\n"))
        self.assertIsNone(self.finished("epoch,elapsed_s,unix_time\n1,1.0,\n"))
        self.assertIsNone(self.finished("epoch,elapsed_s,unix_time\n1,1.0,soon\n"))


BENCHMARKS_OLD = scorecard.render_scorecard(FACTS, "tools/scorecard.py --runs=3", [("old runner", RESULT)])
BENCHMARKS_NEW = scorecard.render_scorecard(dict(FACTS, date="2031-06-01 12:00 UTC"), "tools/scorecard.py --runs=5",
                                            [("new runner", RESULT)])
SOAK_OLD = scorecard.render_soak_section({"files": [soak_entry("glibc")], "rejected": []}, "old_dir", "Old notes.")
SOAK_NEW = scorecard.render_soak_section(SOAK, "new_dir", "New notes.")


class SpliceTest(unittest.TestCase):
    def setUp(self):
        self.existing = scorecard.splice_scorecard(BENCHMARKS_OLD + "\n", soak=SOAK_OLD)

    def test_soak_section_is_appended_after_the_benchmarks(self):
        self.assertEqual(self.existing, BENCHMARKS_OLD.rstrip("\n") + "\n\n" + SOAK_OLD)
        self.assertEqual(scorecard.split_scorecard(self.existing), (BENCHMARKS_OLD.rstrip("\n") + "\n\n", SOAK_OLD))

    def test_benchmark_regeneration_keeps_the_soak_section(self):
        updated = scorecard.splice_scorecard(self.existing, benchmarks=BENCHMARKS_NEW)
        benchmarks, soak = scorecard.split_scorecard(updated)
        self.assertEqual(soak, SOAK_OLD)
        self.assertIn("2031-06-01 12:00 UTC", benchmarks)
        self.assertNotIn("2030-01-01 00:00 UTC", benchmarks)

    def test_soak_only_regeneration_keeps_the_benchmark_part(self):
        updated = scorecard.splice_scorecard(self.existing, soak=SOAK_NEW)
        benchmarks, soak = scorecard.split_scorecard(updated)
        self.assertEqual(benchmarks, scorecard.split_scorecard(self.existing)[0])
        self.assertEqual(soak, SOAK_NEW)
        self.assertNotIn("Old notes.", updated)
        # Regenerating again changes nothing.
        self.assertEqual(scorecard.splice_scorecard(updated, soak=SOAK_NEW), updated)

    def test_benchmark_part_kept_byte_for_byte_when_it_has_no_soak_section_yet(self):
        original = BENCHMARKS_OLD + "\n"  # what the script wrote before it knew of soak sections
        updated = scorecard.splice_scorecard(original, soak=SOAK_NEW)
        self.assertTrue(updated.startswith(original), updated)
        self.assertEqual(scorecard.splice_scorecard("", soak=SOAK_NEW), SOAK_NEW)
        self.assertEqual(scorecard.splice_scorecard(original, benchmarks=BENCHMARKS_NEW), BENCHMARKS_NEW.rstrip("\n") + "\n")


def soak_analyze_binary():
    """//tools:soak_analyze in the test's runfiles; None outside `bazel test`."""
    if "TEST_SRCDIR" not in os.environ:
        return None
    path = os.path.join(os.environ["TEST_SRCDIR"], os.environ.get("TEST_WORKSPACE", "hakmem"), "tools", "soak_analyze")
    return path if os.path.exists(path) else None


class SoakAnalyzeJsonTest(unittest.TestCase):
    """The renderer reads the figures soak_analyze --json actually writes."""

    @unittest.skipUnless(soak_analyze_binary(), "needs //tools:soak_analyze (run under bazel test)")
    def test_row_of_a_real_document(self):
        header = ("epoch,elapsed_s,epoch_s,epoch_ops,total_ops,ops_per_s,rss_bytes,mmap_calls,munmap_calls,"
                  "madvise_calls,mremap_calls,brk_calls,allocator_mmap_calls,allocator_munmap_calls,"
                  "allocator_madvise_calls")
        # 20 one-second epochs of 2.5 M operations at 100 MiB, one brk call each.
        rows = ["%d,%d,1,2500000,%d,2500000,104857600,5,0,0,0,%d,,," % (i, i, 2500000 * i, 10 + i)
                for i in range(1, 21)]
        with tempfile.TemporaryDirectory() as work:
            csv_path = os.path.join(work, "soak_synthetic.csv")
            with open(csv_path, "w") as csv_file:
                csv_file.write("\n".join([header] + rows) + "\n")
            json_path = os.path.join(work, "soak.json")
            subprocess.run([soak_analyze_binary(), "--json=" + json_path, csv_path], check=True,
                           stdout=subprocess.DEVNULL)
            with open(json_path) as document:
                analysis = json.load(document)
        self.assertEqual(scorecard.render_soak_row(analysis["files"][0]),
                         "| synthetic | 20 s | 100.00 → 100.00 | +0.00 | 100.00 | +0.00 | 0.00 | 2.50 "
                         "| 4.00e-07 (18 brk) | PASS |")


if __name__ == "__main__":
    unittest.main()
