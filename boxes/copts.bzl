"""Compiler options shared by the allocator's boxes and //allocator."""

# Hidden by default: only the malloc family, operator new/delete and hak_* are
# exported from libhakmem.so, and internal calls bind locally (no PLT).
HAKMEM_COPTS = [
    "-fvisibility=hidden",
    "-fno-semantic-interposition",
    "-fno-exceptions",
    # The fast paths are leaf functions; a frame pointer would cost a third of them.
    "-fomit-frame-pointer",
]
