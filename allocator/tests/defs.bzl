"""Builds one test source once per allocator backend (backends.bzl).

backend.h turns the HAKMEM_TEST_BACKEND_* define into the Backend struct.
"""

load(":backends.bzl", "backend_cc")

def allocator_test(name, srcs, backends, deps = [], tags = [], **kwargs):
    """Declares `<name>_<backend>_test` for each backend and a test_suite `name`."""
    tests = []
    for backend in backends:
        test_name = "%s_%s_test" % (name, backend)
        backend_cc(native.cc_test, test_name, backend, srcs, deps + [":backend"], tags, **kwargs)
        tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests)

def allocator_binary(name, srcs, backend, deps = [], tags = [], **kwargs):
    """A helper program that a test runs as a subprocess, built for `backend`."""
    backend_cc(native.cc_binary, name, backend, srcs, deps + [":backend"], tags, testonly = True, **kwargs)
