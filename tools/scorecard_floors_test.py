#!/usr/bin/env python3
"""tools/scorecard.py reads the floors' manifest that benchmarks/allocator_matrix.bzl
really writes: every floor's worker exists, and the no-op floor the per-operation
costs are measured from is among them."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scorecard  # noqa: E402

RUNFILES = os.path.join(os.environ["TEST_SRCDIR"], os.environ["TEST_WORKSPACE"])


class FloorsManifestTest(unittest.TestCase):
    def test_manifest_names_existing_workers_with_labels(self):
        with open(os.path.join(RUNFILES, scorecard.FLOORS_MANIFEST)) as manifest:
            floors = scorecard.parse_floors(manifest.read())
        names = [name for name, _, _ in floors]
        self.assertIn("floor-noop", names)
        self.assertGreaterEqual(len(floors), 2)
        for name, worker, label in floors:
            self.assertTrue(os.access(os.path.join(RUNFILES, worker), os.X_OK), worker)
            self.assertTrue(label, name)


if __name__ == "__main__":
    unittest.main()
