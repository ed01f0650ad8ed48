"""Builds one test source once per allocator backend.

Backends:
  api       //allocator:api, the prefixed hak_* functions. Runs under every
            --config, including asan/ubsan/tsan.
  override  //allocator linked in, so the libc names (malloc, operator new, ...)
            are hakmem's. Tagged "override": sanitizers skip it.
  glibc     the same expectations against glibc/libstdc++ with nothing linked
            in: shows that a test expects libc semantics and not an accident
            of hakmem. Tagged "no_sanitizer" because sanitizers swap malloc.

backend.h turns the HAKMEM_TEST_BACKEND_* define into the Backend struct.
"""

_BACKENDS = {
    "api": struct(
        define = "HAKMEM_TEST_BACKEND_API=1",
        deps = ["//allocator:api"],
        tags = [],
    ),
    "override": struct(
        define = "HAKMEM_TEST_BACKEND_OVERRIDE=1",
        deps = ["//allocator"],
        tags = ["override"],
    ),
    "glibc": struct(
        define = "HAKMEM_TEST_BACKEND_GLIBC=1",
        deps = [],
        tags = ["no_sanitizer"],
    ),
}

# Tests call malloc & co. with constants on purpose (huge sizes, pairs that
# look dead); the compiler must neither fold nor elide those calls.
_COPTS = ["-fno-builtin", "-fno-allocation-dce"]

def allocator_test(name, srcs, backends, deps = [], tags = [], **kwargs):
    """Declares `<name>_<backend>_test` for each backend and a test_suite `name`."""
    tests = []
    for backend in backends:
        b = _BACKENDS[backend]
        test_name = "%s_%s_test" % (name, backend)
        native.cc_test(
            name = test_name,
            srcs = srcs,
            copts = _COPTS,
            local_defines = [b.define],
            deps = b.deps + deps + [":backend"],
            tags = tags + b.tags,
            **kwargs
        )
        tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests)

def allocator_binary(name, srcs, backend, deps = [], tags = [], **kwargs):
    """A helper program that a test runs as a subprocess, built for `backend`."""
    b = _BACKENDS[backend]
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = _COPTS,
        local_defines = [b.define],
        deps = b.deps + deps + [":backend"],
        tags = tags + b.tags,
        testonly = True,
        **kwargs
    )
