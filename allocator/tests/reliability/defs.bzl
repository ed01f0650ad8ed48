"""Builds a reliability test once per backend and, optionally, per profile.

Backends: api and override of //allocator/tests:backends.bzl (entry_points.h
turns their define into the entry points the tests call).

`profiles` adds `<name>_api_<profile>_test` for each profile listed: the api
test rebuilt in that profile (settings_test), whatever the command line says.
"""

load("//allocator/tests:backends.bzl", "backend_cc")
load(":settings_test.bzl", "settings_test")

def reliability_test(name, srcs, backends = ["api", "override"], profiles = [], deps = [], tags = [], size = "small", **kwargs):
    """Declares `<name>_<backend>_test` per backend, profile variants, and a test_suite `name`."""
    tests = []
    for backend in backends:
        test_name = "%s_%s_test" % (name, backend)
        backend_cc(native.cc_test, test_name, backend, srcs, deps + [":entry_points"], tags, size = size, **kwargs)
        tests.append(":" + test_name)
    for profile in profiles:
        binary = "%s_api_%s_bin" % (name, profile)
        # Built through the test's transition only.
        backend_cc(native.cc_binary, binary, "api", srcs, deps + [":entry_points"], ["manual"], testonly = True)
        test_name = "%s_api_%s_test" % (name, profile)
        settings_test(
            name = test_name,
            binary = ":" + binary,
            box_settings = {"profile": profile},
            tags = tags,
            size = size,
            **kwargs
        )
        tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests)
