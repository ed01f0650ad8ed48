// Every replaceable operator new/delete form, std::get_new_handler() and
// std::bad_alloc. With //allocator linked they are hakmem's; the glibc build
// checks the same expectations against libstdc++.
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "allocator/tests/backend.h"
#include "allocator/tests/new_handler_reserve.h"
#include "allocator/tests/pattern.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

bool IsAligned(const void* p, size_t align) { return reinterpret_cast<uintptr_t>(p) % align == 0; }

// An allocation that cannot succeed; passed through Opaque so it is made.
size_t ImpossibleSize() { return Opaque(SIZE_MAX / 2); }

void Touch(void* p, size_t n) {
  FillBlock(p, n);
  EXPECT_EQ(FindBlockMismatch(p, n), kPatternOk);
}

TEST(CppOperatorsTest, PlainAndArrayForms) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{24}, size_t{1000}, size_t{70000}, size_t{3} << 20}) {
    void* p = ::operator new(n);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(IsAligned(p, __STDCPP_DEFAULT_NEW_ALIGNMENT__));
    Touch(p, n);
    ::operator delete(p);

    p = ::operator new(n);
    Touch(p, n);
    ::operator delete(p, n);  // sized

    p = ::operator new[](n);
    ASSERT_NE(p, nullptr);
    Touch(p, n);
    ::operator delete[](p);

    p = ::operator new[](n);
    Touch(p, n);
    ::operator delete[](p, n);  // sized
  }
}

TEST(CppOperatorsTest, NothrowForms) {
  for (size_t n : {size_t{0}, size_t{8}, size_t{5000}, size_t{2} << 20}) {
    void* p = ::operator new(n, std::nothrow);
    ASSERT_NE(p, nullptr);
    Touch(p, n);
    ::operator delete(p, std::nothrow);
    p = ::operator new[](n, std::nothrow);
    ASSERT_NE(p, nullptr);
    Touch(p, n);
    ::operator delete[](p, std::nothrow);
  }
}

TEST(CppOperatorsTest, AlignedFormsHonourEveryAlignment) {
  for (size_t align = 1; align <= (size_t{1} << 20); align <<= 1) {
    const auto al = static_cast<std::align_val_t>(align);
    for (size_t n : {size_t{1}, align, 3 * align}) {
      void* p = ::operator new(n, al);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(IsAligned(p, align)) << "operator new(" << n << ", align " << align << ") = " << p;
      Touch(p, n);
      ::operator delete(p, al);

      p = ::operator new(n, al);
      EXPECT_TRUE(IsAligned(p, align));
      Touch(p, n);
      ::operator delete(p, n, al);

      p = ::operator new[](n, al);
      EXPECT_TRUE(IsAligned(p, align));
      Touch(p, n);
      ::operator delete[](p, al);

      p = ::operator new[](n, al);
      EXPECT_TRUE(IsAligned(p, align));
      Touch(p, n);
      ::operator delete[](p, n, al);

      p = ::operator new(n, al, std::nothrow);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(IsAligned(p, align));
      Touch(p, n);
      ::operator delete(p, al, std::nothrow);

      p = ::operator new[](n, al, std::nothrow);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(IsAligned(p, align));
      Touch(p, n);
      ::operator delete[](p, al, std::nothrow);
    }
  }
}

struct alignas(256) OverAligned {
  unsigned char bytes[256];
};

TEST(CppOperatorsTest, NewExpressionsUseAlignedForms) {
  std::vector<std::unique_ptr<OverAligned>> objects;
  for (int i = 0; i < 100; ++i) {
    objects.push_back(std::make_unique<OverAligned>());
    EXPECT_TRUE(IsAligned(objects.back().get(), 256));
  }
  auto* array = new OverAligned[17];
  EXPECT_TRUE(IsAligned(array, 256));
  delete[] array;
  std::vector<OverAligned> vec(33);
  EXPECT_TRUE(IsAligned(vec.data(), 256));
}

TEST(CppOperatorsTest, ImpossibleSizeThrowsBadAlloc) {
  std::set_new_handler(nullptr);
  EXPECT_THROW(Escape(::operator new(ImpossibleSize())), std::bad_alloc);
  EXPECT_THROW(Escape(::operator new[](ImpossibleSize())), std::bad_alloc);
  EXPECT_THROW(Escape(::operator new(ImpossibleSize(), std::align_val_t{64})), std::bad_alloc);
  EXPECT_THROW(Escape(::operator new[](ImpossibleSize(), std::align_val_t{4096})), std::bad_alloc);
  EXPECT_THROW(Escape(::operator new(Opaque(SIZE_MAX))), std::bad_alloc);
}

TEST(CppOperatorsTest, NothrowImpossibleSizeReturnsNull) {
  std::set_new_handler(nullptr);
  EXPECT_EQ(::operator new(ImpossibleSize(), std::nothrow), nullptr);
  EXPECT_EQ(::operator new[](ImpossibleSize(), std::nothrow), nullptr);
  EXPECT_EQ(::operator new(ImpossibleSize(), std::align_val_t{64}, std::nothrow), nullptr);
  EXPECT_EQ(::operator new[](ImpossibleSize(), std::align_val_t{64}, std::nothrow), nullptr);
}

// The handler (new_handler_reserve.h) gets one retry per call: first it frees
// a reserve, then, with nothing left to free, it throws.
class NewHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_handler_calls = 0;
    g_reserve = std::malloc(1 << 20);
    previous_ = std::set_new_handler(FreeReserveThenThrow);
  }
  void TearDown() override {
    std::set_new_handler(previous_);
    std::free(g_reserve);
    g_reserve = nullptr;
  }
  std::new_handler previous_ = nullptr;
};

TEST_F(NewHandlerTest, PlainNewCallsHandlerUntilItThrows) {
  EXPECT_EQ(std::get_new_handler(), &FreeReserveThenThrow);
  EXPECT_THROW(Escape(::operator new(ImpossibleSize())), std::bad_alloc);
  EXPECT_EQ(g_handler_calls, 2) << "handler: once freeing the reserve, once throwing";
  EXPECT_EQ(g_reserve, nullptr);
}

TEST_F(NewHandlerTest, ArrayAndAlignedNewCallHandler) {
  EXPECT_THROW(Escape(::operator new[](ImpossibleSize())), std::bad_alloc);
  EXPECT_EQ(g_handler_calls, 2);
  g_handler_calls = 0;
  EXPECT_THROW(Escape(::operator new(ImpossibleSize(), std::align_val_t{128})), std::bad_alloc);
  EXPECT_EQ(g_handler_calls, 1) << "reserve already gone: the handler throws at once";
}

TEST_F(NewHandlerTest, NothrowNewCallsHandlerAndReturnsNull) {
  EXPECT_EQ(::operator new(ImpossibleSize(), std::nothrow), nullptr);
  EXPECT_EQ(g_handler_calls, 2);
  g_handler_calls = 0;
  EXPECT_EQ(::operator new(ImpossibleSize(), std::align_val_t{64}, std::nothrow), nullptr);
  EXPECT_EQ(g_handler_calls, 1);
}

// A handler that uninstalls itself: new must then throw instead of looping.
int g_self_removing_calls = 0;
void RemoveSelf() {
  ++g_self_removing_calls;
  std::set_new_handler(nullptr);
}

TEST(CppNewHandlerTest, HandlerThatUninstallsItselfLeadsToBadAlloc) {
  g_self_removing_calls = 0;
  std::set_new_handler(RemoveSelf);
  EXPECT_THROW(Escape(::operator new(ImpossibleSize())), std::bad_alloc);
  EXPECT_EQ(g_self_removing_calls, 1);
  EXPECT_EQ(std::get_new_handler(), nullptr);
}

// A handler that is never needed is never called.
TEST(CppNewHandlerTest, HandlerNotCalledWhenMemoryIsAvailable) {
  g_self_removing_calls = 0;
  std::set_new_handler(RemoveSelf);
  for (int i = 0; i < 1000; ++i) {
    delete new std::string(static_cast<size_t>(i), 'x');
    ::operator delete(::operator new(static_cast<size_t>(i) * 1000));
  }
  std::set_new_handler(nullptr);
  EXPECT_EQ(g_self_removing_calls, 0);
}

TEST(CppOperatorsTest, StandardContainersWork) {
  std::map<int, std::string> m;
  std::vector<std::string> v;
  for (int i = 0; i < 20000; ++i) {
    m[i * 7919 % 10007] = std::string(static_cast<size_t>(i % 200), static_cast<char>('a' + i % 26));
    v.push_back(std::to_string(i));
  }
  size_t total = 0;
  for (const auto& [k, s] : m) total += static_cast<size_t>(k) + s.size();
  for (const auto& s : v) total += s.size();
  EXPECT_GT(total, 0u);
  EXPECT_EQ(v[12345], "12345");
}

// Under //allocator every form must resolve outside libstdc++: a missing
// override would silently pair libstdc++'s new with hakmem's free.
TEST(CppOperatorsTest, EveryFormResolvesToTheReplacement) {
  if (!Backend::kIsHakmem) GTEST_SKIP() << "reference build: libstdc++'s operators are expected";
  using std::align_val_t;
  using std::nothrow_t;
  struct Form {
    const char* name;
    void* address;
  };
  const Form forms[] = {
      {"new(size_t)", reinterpret_cast<void*>(static_cast<void* (*)(size_t)>(&::operator new))},
      {"new[](size_t)", reinterpret_cast<void*>(static_cast<void* (*)(size_t)>(&::operator new[]))},
      {"new(size_t, nothrow)",
       reinterpret_cast<void*>(static_cast<void* (*)(size_t, const nothrow_t&) noexcept>(&::operator new))},
      {"new[](size_t, nothrow)",
       reinterpret_cast<void*>(static_cast<void* (*)(size_t, const nothrow_t&) noexcept>(&::operator new[]))},
      {"new(size_t, align)", reinterpret_cast<void*>(static_cast<void* (*)(size_t, align_val_t)>(&::operator new))},
      {"new[](size_t, align)",
       reinterpret_cast<void*>(static_cast<void* (*)(size_t, align_val_t)>(&::operator new[]))},
      {"new(size_t, align, nothrow)",
       reinterpret_cast<void*>(
           static_cast<void* (*)(size_t, align_val_t, const nothrow_t&) noexcept>(&::operator new))},
      {"new[](size_t, align, nothrow)",
       reinterpret_cast<void*>(
           static_cast<void* (*)(size_t, align_val_t, const nothrow_t&) noexcept>(&::operator new[]))},
      {"delete(void*)", reinterpret_cast<void*>(static_cast<void (*)(void*) noexcept>(&::operator delete))},
      {"delete[](void*)", reinterpret_cast<void*>(static_cast<void (*)(void*) noexcept>(&::operator delete[]))},
      {"delete(void*, size_t)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, size_t) noexcept>(&::operator delete))},
      {"delete[](void*, size_t)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, size_t) noexcept>(&::operator delete[]))},
      {"delete(void*, nothrow)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, const nothrow_t&) noexcept>(&::operator delete))},
      {"delete[](void*, nothrow)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, const nothrow_t&) noexcept>(&::operator delete[]))},
      {"delete(void*, align)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, align_val_t) noexcept>(&::operator delete))},
      {"delete[](void*, align)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, align_val_t) noexcept>(&::operator delete[]))},
      {"delete(void*, size_t, align)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, size_t, align_val_t) noexcept>(&::operator delete))},
      {"delete[](void*, size_t, align)",
       reinterpret_cast<void*>(static_cast<void (*)(void*, size_t, align_val_t) noexcept>(&::operator delete[]))},
      {"delete(void*, align, nothrow)",
       reinterpret_cast<void*>(
           static_cast<void (*)(void*, align_val_t, const nothrow_t&) noexcept>(&::operator delete))},
      {"delete[](void*, align, nothrow)",
       reinterpret_cast<void*>(
           static_cast<void (*)(void*, align_val_t, const nothrow_t&) noexcept>(&::operator delete[]))},
  };
  for (const Form& form : forms) {
    Dl_info info{};
    ASSERT_NE(dladdr(form.address, &info), 0) << form.name;
    ASSERT_NE(info.dli_fname, nullptr) << form.name;
    EXPECT_EQ(std::strstr(info.dli_fname, "libstdc++"), nullptr)
        << "operator " << form.name << " comes from " << info.dli_fname << " (symbol "
        << (info.dli_sname ? info.dli_sname : "?") << ")";
  }
}

}  // namespace
}  // namespace hakmem_test
