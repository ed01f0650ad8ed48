// A lock that never allocates: the allocator's global structures (heap pool,
// abandoned superslabs, caches) are rarely contended and must be usable before
// libc is initialised and from fork handlers.
#ifndef HAKMEM_BOXES_SPINLOCK_SPINLOCK_H_
#define HAKMEM_BOXES_SPINLOCK_SPINLOCK_H_

#include <sched.h>

#include <atomic>

namespace hakmem {

class SpinLock {
 public:
  constexpr SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void Lock() {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 64) sched_yield();  // the holder may be descheduled
      }
    }
  }
  bool TryLock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void Unlock() { locked_.store(false, std::memory_order_release); }
  // Only for the child after fork(): no other thread exists to hold it.
  void ResetAfterFork() { locked_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
};

class SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock& lock) : lock_(lock) { lock_.Lock(); }
  ~SpinLockHolder() { lock_.Unlock(); }
  SpinLockHolder(const SpinLockHolder&) = delete;
  SpinLockHolder& operator=(const SpinLockHolder&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace hakmem

#endif  // HAKMEM_BOXES_SPINLOCK_SPINLOCK_H_
