// Fault injection (test-only box): makes the Nth OS mapping call fail so tests
// can prove every caller handles ENOMEM. Compiled out of the shipped profiles,
// where FaultInjectionShouldFailMap() is a constant false.
#ifndef HAKMEM_BOXES_FAULT_INJECTION_FAULT_INJECTION_H_
#define HAKMEM_BOXES_FAULT_INJECTION_FAULT_INJECTION_H_

#include <cstdint>

namespace hakmem {

#if HAKMEM_FAULT_INJECTION
// Fail the `n`th mapping call from now (1 = the next one); 0 disarms.
// With `every` set, every mapping call from the nth on fails.
void FaultInjectionArm(uint64_t n, bool every);
bool FaultInjectionShouldFailMap();
#else
inline bool FaultInjectionShouldFailMap() { return false; }
#endif

}  // namespace hakmem

#endif  // HAKMEM_BOXES_FAULT_INJECTION_FAULT_INJECTION_H_
