// hak_stats_json and hak_stats_print: whole reports that follow what the
// process did, a JSON buffer that is truncated and terminated like snprintf's,
// and reports that stay whole when several threads ask at once.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "allocator/hakmem.h"
#include "allocator/tests/backend.h"
#include "gtest/gtest.h"

namespace hakmem_test {
namespace {

hak_stats Stats() {
  hak_stats s{};
  hak_stats_get(&s);
  return s;
}

std::string Json() {
  std::string out(hak_stats_json(nullptr, 0) + 4096, '\0');
  const size_t n = hak_stats_json(out.data(), out.size());
  EXPECT_LT(n, out.size()) << "the report grew by more than 4 KiB between two calls";
  out.resize(n < out.size() ? n : out.size() - 1);
  return out;
}

// Braces and brackets pair up outside strings, and the report is one object.
// Returns what is wrong, or "" when nothing is.
std::string JsonShapeProblem(const std::string& json) {
  if (json.empty() || json.front() != '{' || json.back() != '}') return "not one object: " + json;
  std::string open;
  bool in_string = false;
  for (char c : json) {
    if (in_string) {
      in_string = c != '"';
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') open.push_back(c);
    else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return "unbalanced: " + json;
      open.pop_back();
    }
  }
  return open.empty() && !in_string ? "" : "unterminated: " + json;
}

// What hak_stats_print writes, read back through a pipe (a few KiB at most:
// within the pipe's buffer); false when no pipe could be made.
bool PrintedReport(std::string* text) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  hak_stats_print(fds[1]);
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) text->append(buf, static_cast<size_t>(n));
  close(fds[0]);
  return true;
}

// The report's first line, from the profile in force.
std::string ExpectedHead() { return std::string("hakmem stats: profile ") + Stats().profile; }

TEST(StatsJsonTest, IsOneWellFormedObjectThatNamesTheProfile) {
  const std::string json = Json();
  EXPECT_EQ(JsonShapeProblem(json), "");
  const hak_stats s = Stats();
  EXPECT_EQ(json.rfind(std::string("{\"profile\":\"") + s.profile + "\"", 0), 0u) << json;
  EXPECT_NE(json.find(s.enabled ? "\"counters_enabled\":true" : "\"counters_enabled\":false"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"os\":{\"mmap\":"), std::string::npos) << json;
}

TEST(StatsJsonTest, ReturnsTheLengthItNeedsAndTerminatesWhatFits) {
  const size_t needed = hak_stats_json(nullptr, 0);  // writes nothing
  ASSERT_GT(needed, 16u);
  const std::string full = Json();

  char small[16];
  std::memset(small, 'x', sizeof(small));
  // The profile comes first, so the first 15 bytes do not change between calls.
  EXPECT_GE(hak_stats_json(small, sizeof(small)), sizeof(small));
  EXPECT_EQ(small[sizeof(small) - 1], '\0');
  EXPECT_EQ(std::string(small), full.substr(0, sizeof(small) - 1));

  char one = 'x';
  EXPECT_GE(hak_stats_json(&one, 1), sizeof(small));
  EXPECT_EQ(one, '\0');
}

// With the stats box in (OBSERVE) the classes count the caller's blocks; with
// it compiled out the list is empty rather than a row of zeros.
TEST(StatsJsonTest, ClassesCountTheCallersAllocationsWhenCountersAreIn) {
  std::vector<void*> blocks;
  for (int i = 0; i < 100; ++i) blocks.push_back(Backend::Malloc(48));
  const hak_stats s = Stats();
  const std::string json = Json();
  uint64_t allocs = 0;
  for (size_t c = 0; c < s.num_classes; ++c) {
    if (s.classes[c].block_size == 48) allocs = s.classes[c].allocs;
  }
  if (s.enabled) {
    EXPECT_GE(allocs, 100u);
    EXPECT_NE(json.find("\"size\":48,\"allocs\":"), std::string::npos) << json;
  } else {
    EXPECT_EQ(allocs, 0u);
    EXPECT_NE(json.find("\"classes\":[]}"), std::string::npos) << json;
  }
  for (void* p : blocks) Backend::Free(p);
}

TEST(StatsPrintTest, WritesTheWholeReportToTheDescriptor) {
  std::string text;
  ASSERT_TRUE(PrintedReport(&text));
  EXPECT_EQ(text.rfind(ExpectedHead(), 0), 0u) << text;
  EXPECT_NE(text.find("\nos: mmap="), std::string::npos) << text;
  EXPECT_EQ(text.find("class   size") != std::string::npos, Stats().enabled != 0) << text;
  EXPECT_EQ(text.back(), '\n');
}

// Each call builds its report from a snapshot of its own: callers on several
// threads (a monitoring thread beside the exit report, say) each get a whole
// report, not one another's half-written snapshot.
TEST(StatsJsonTest, ConcurrentCallersEachGetAWholeReport) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 200;
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  const std::string prefix = std::string("{\"profile\":\"") + Stats().profile + "\"";
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &problems, &prefix] {
      std::vector<char> buf(64 * 1024);
      for (int i = 0; i < kCalls && problems[t].empty(); ++i) {
        void* p = Backend::Malloc(static_cast<size_t>(16 + 16 * (i % 64)));  // keeps the counters moving
        const size_t n = hak_stats_json(buf.data(), buf.size());
        Backend::Free(p);
        if (n >= buf.size()) {
          problems[t] = "report longer than 64 KiB";
          break;
        }
        const std::string json(buf.data(), n);
        if (json.rfind(prefix, 0) != 0) problems[t] = "does not start with the profile: " + json;
        else problems[t] = JsonShapeProblem(json);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(problems[t], "") << "thread " << t;
}

TEST(StatsPrintTest, ConcurrentCallersEachWriteAWholeReport) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 50;
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  const std::string head = ExpectedHead();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &problems, &head] {
      for (int i = 0; i < kCalls && problems[t].empty(); ++i) {
        std::string text;
        if (!PrintedReport(&text)) {
          problems[t] = "pipe failed";
          break;
        }
        if (text.rfind(head, 0) != 0 || text.find("\nos: mmap=") == std::string::npos) {
          problems[t] = "not a whole report: " + text;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(problems[t], "") << "thread " << t;
}

}  // namespace
}  // namespace hakmem_test
