// For tests whose expectations depend on whether memory-lean mode is compiled
// in (--//profiles:mem_lean).
#ifndef HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_TESTING_H_
#define HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_TESTING_H_

namespace hakmem_test {

#if HAKMEM_MEM_LEAN_ENABLED
inline constexpr bool kLeanCompiledIn = true;
#else
inline constexpr bool kLeanCompiledIn = false;
#endif

// Printed with failures of the compiled-out expectations.
inline constexpr const char* kLeanCompiledOutNote =
    "memory-lean mode is compiled out here (--//profiles:mem_lean=off defines HAKMEM_MEM_LEAN_ENABLED=0), "
    "so its run-time gates must have no effect";

}  // namespace hakmem_test

#endif  // HAKMEM_BOXES_MEM_LEAN_MEM_LEAN_TESTING_H_
