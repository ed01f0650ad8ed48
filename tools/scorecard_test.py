#!/usr/bin/env python3
"""Tests of tools/scorecard.py's rendering (python3 tools/scorecard_test.py)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scorecard  # noqa: E402

RESULT = {
    "workload": {"name": "mixed", "cycles": 1000, "ws": 400, "seed": 1234567, "min_size": 16,
                 "max_size": 1039, "threads": 1, "runs": 3},
    "allocators": [
        {"name": "hakmem-fast", "library": "/x/libhakmem.so", "median_ops_per_s": 120e6, "cv": 0.012,
         "min_ops_per_s": 110e6, "max_ops_per_s": 130e6, "vs_mimalloc": 1.2, "vs_glibc": 2.0,
         "peak_rss_mib": 6.25, "syscalls_per_op": {"mmap": 2e-6, "munmap": 0, "madvise": 0, "mremap": 0, "brk": 0},
         "ops_per_s_runs": [110e6, 120e6, 130e6]},
        {"name": "glibc", "library": "/lib/libc.so.6", "median_ops_per_s": 60e6, "cv": 0.0,
         "min_ops_per_s": 60e6, "max_ops_per_s": 60e6, "vs_mimalloc": None, "vs_glibc": 1.0,
         "peak_rss_mib": 5.5, "syscalls_per_op": None, "ops_per_s_runs": [60e6]},
    ],
}


class RenderTest(unittest.TestCase):
    def test_table_has_one_row_per_allocator_and_every_column(self):
        lines = scorecard.render_table(RESULT).splitlines()
        self.assertEqual(len(lines), 2 + len(RESULT["allocators"]))
        self.assertEqual(lines[0].count("|"), lines[2].count("|"))
        for column in ("median Mops/s", "CV %", "x mimalloc", "x glibc", "peak RSS MiB", "mmap/op", "brk/op"):
            self.assertIn(column, lines[0])
        self.assertEqual(lines[2], "| hakmem-fast | 120.00 | 1.2 | 110.00 | 130.00 | 1.20 | 2.00 | 6.2 "
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


if __name__ == "__main__":
    unittest.main()
