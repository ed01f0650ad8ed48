#!/usr/bin/env python3
"""Tests of tools/vcpu_regimes.py's parsing and per-regime summary."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vcpu_regimes  # noqa: E402


class RegimeTest(unittest.TestCase):
    def test_both_probes_must_agree(self):
        self.assertEqual(vcpu_regimes.regime_of(60.1, 58.0), "far")
        self.assertEqual(vcpu_regimes.regime_of(21.0, 23.5), "near")
        self.assertIsNone(vcpu_regimes.regime_of(21.0, 61.0))  # changed during the round
        self.assertIsNone(vcpu_regimes.regime_of(35.0, 35.0))  # neither


class ParseTest(unittest.TestCase):
    def test_larson_ns_takes_the_two_thread_run(self):
        text = json.dumps({"benchmarks": [
            {"name": "BM_Larson/real_time/threads:1", "real_time": 4.0},
            {"name": "BM_Larson/real_time/threads:2", "real_time": 7.84},
        ]})
        self.assertAlmostEqual(vcpu_regimes.larson_ns(text), 7.84)
        with self.assertRaises(ValueError):
            vcpu_regimes.larson_ns(json.dumps({"benchmarks": []}))

    def test_mixed_mops_from_the_result_line(self):
        line = "hakmem-bench-result allocator=hakmem operations=20000000 seconds=0.2 allocations=10004054\n"
        self.assertAlmostEqual(vcpu_regimes.mixed_mops(line), 100.0)
        with self.assertRaises(ValueError):
            vcpu_regimes.mixed_mops("crashed")


class SummaryTest(unittest.TestCase):
    ROUNDS = [
        ("far", {"hakmem": 8.0, "mimalloc": 10.0}),
        ("far", {"hakmem": 7.0, "mimalloc": 11.0}),
        ("far", {"hakmem": 9.0, "mimalloc": 12.0}),
        ("near", {"hakmem": 5.0, "mimalloc": 10.0}),
    ]

    def test_medians_per_regime_and_speed_ratios_for_times(self):
        summary = vcpu_regimes.summarise(self.ROUNDS, ["mimalloc", "hakmem"], higher_is_better=False)
        count, medians, ratios = summary["far"]
        self.assertEqual(count, 3)
        self.assertEqual(medians, {"hakmem": 8.0, "mimalloc": 11.0})
        self.assertAlmostEqual(ratios["hakmem"], 11.0 / 8.0)  # faster: above 1
        self.assertEqual(summary["near"][0], 1)
        self.assertAlmostEqual(summary["near"][2]["hakmem"], 2.0)

    def test_speed_ratios_for_throughput(self):
        rounds = [("near", {"mimalloc": 70.0, "hakmem": 105.0})]
        summary = vcpu_regimes.summarise(rounds, ["mimalloc", "hakmem"], higher_is_better=True)
        self.assertAlmostEqual(summary["near"][2]["hakmem"], 1.5)

    def test_render_names_a_regime_without_rounds(self):
        rounds = [("far", {"mimalloc": 10.0, "hakmem": 8.0})]
        text = vcpu_regimes.render(vcpu_regimes.summarise(rounds, ["mimalloc", "hakmem"], False),
                                   ["mimalloc", "hakmem"], "ns per operation")
        self.assertIn("near regime: no round", text)
        self.assertIn("far regime, 1 rounds", text)
        self.assertIn("1.25 x", text)


if __name__ == "__main__":
    unittest.main()
