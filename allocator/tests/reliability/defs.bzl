"""Builds a reliability test once per backend and, optionally, per profile.

Backends (compare //allocator/tests:defs.bzl):
  api       //allocator:api, the prefixed hak_* functions: also runs under
            --config=asan|ubsan|tsan.
  override  //allocator linked in as the process's malloc. Tagged "override":
            the sanitizer configs skip it.

`profiles` adds `<name>_api_<profile>_test` for each profile listed: the api
test rebuilt in that profile (settings_test), whatever the command line says.
"""

load(":settings_test.bzl", "settings_test")

_BACKENDS = {
    "api": struct(
        define = "HAKMEM_RELIABILITY_API=1",
        deps = ["//allocator:api"],
        linkopts = [],
        tags = [],
    ),
    "override": struct(
        define = "HAKMEM_RELIABILITY_OVERRIDE=1",
        deps = ["//allocator"],
        linkopts = ["-ldl"],
        tags = ["override"],
    ),
}

# The tests call the allocator on pointers that must not be folded away, and
# pair allocations with frees that the compiler could otherwise elide.
RELIABILITY_COPTS = ["-fno-builtin", "-fno-allocation-dce"]

def reliability_test(name, srcs, backends = ["api", "override"], profiles = [], deps = [], tags = [], size = "small", **kwargs):
    """Declares `<name>_<backend>_test` per backend, profile variants, and a test_suite `name`."""
    tests = []
    for backend in backends:
        b = _BACKENDS[backend]
        test_name = "%s_%s_test" % (name, backend)
        native.cc_test(
            name = test_name,
            srcs = srcs,
            copts = RELIABILITY_COPTS,
            local_defines = [b.define],
            linkopts = b.linkopts,
            deps = b.deps + deps + [":entry_points"],
            tags = tags + b.tags,
            size = size,
            **kwargs
        )
        tests.append(":" + test_name)
    for profile in profiles:
        b = _BACKENDS["api"]
        binary = "%s_api_%s_bin" % (name, profile)
        native.cc_binary(
            name = binary,
            testonly = True,
            srcs = srcs,
            copts = RELIABILITY_COPTS,
            local_defines = [b.define],
            deps = b.deps + deps + [":entry_points"],
            tags = ["manual"],  # built through the test's transition only
        )
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
