"""The allocator backends a test source is built against: one table for
//allocator/tests and //allocator/tests/reliability.

  api       //allocator:api, the prefixed hak_* functions. Runs under every
            --config, including asan/ubsan/tsan.
  override  //allocator linked in, so the libc names (malloc, operator new, ...)
            are hakmem's. Tagged "override": sanitizers skip it.
  glibc     the same expectations against glibc/libstdc++ with nothing linked
            in: shows that a test expects libc semantics and not an accident
            of hakmem. Tagged "no_sanitizer" because sanitizers swap malloc.

Each backend's source sees HAKMEM_TEST_BACKEND_<API|OVERRIDE|GLIBC>=1.
"""

BACKENDS = {
    "api": struct(
        define = "HAKMEM_TEST_BACKEND_API=1",
        deps = ["//allocator:api"],
        linkopts = [],
        tags = [],
    ),
    "override": struct(
        define = "HAKMEM_TEST_BACKEND_OVERRIDE=1",
        deps = ["//allocator"],
        linkopts = ["-ldl"],
        tags = ["override"],
    ),
    "glibc": struct(
        define = "HAKMEM_TEST_BACKEND_GLIBC=1",
        deps = [],
        linkopts = [],
        tags = ["no_sanitizer"],
    ),
}

# Tests call malloc & co. with constants on purpose (huge sizes, pairs that
# look dead); the compiler must neither fold nor elide those calls.
ALLOCATOR_TEST_COPTS = ["-fno-builtin", "-fno-allocation-dce"]

def backend_cc(rule, name, backend, srcs, deps = [], tags = [], linkopts = [], **kwargs):
    """`rule` (native.cc_test or native.cc_binary) built against `backend`."""
    b = BACKENDS[backend]
    rule(
        name = name,
        srcs = srcs,
        copts = ALLOCATOR_TEST_COPTS,
        local_defines = [b.define],
        linkopts = b.linkopts + [opt for opt in linkopts if opt not in b.linkopts],
        deps = b.deps + deps,
        tags = tags + b.tags,
        **kwargs
    )
