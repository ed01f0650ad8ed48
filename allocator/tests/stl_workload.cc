// Helper program for the LD_PRELOAD test; NOT linked with hakmem. Hammers STL
// containers and prints a checksum that must not depend on the malloc.
// With --which-malloc it prints the object that malloc and operator new
// resolve to instead.
#include <dlfcn.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

uint64_t Mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull; }

const char* ObjectOf(void* address) {
  Dl_info info{};
  return dladdr(address, &info) != 0 && info.dli_fname != nullptr ? info.dli_fname : "?";
}

uint64_t Work(uint64_t seed) {
  uint64_t h = 0xCBF29CE484222325ull ^ seed;
  std::map<uint64_t, std::string> ordered;
  std::unordered_map<std::string, std::vector<int>> hashed;
  std::vector<std::string> strings;
  std::list<std::unique_ptr<std::string>> owned;
  std::deque<uint64_t> queue;
  uint64_t x = seed + 1;
  for (int i = 0; i < 120000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t key = x >> 40;
    ordered[key % 50000] += static_cast<char>('a' + key % 26);
    hashed[std::to_string(key % 20000)].push_back(i);
    strings.emplace_back(static_cast<size_t>(key % 300), static_cast<char>('A' + i % 26));
    if (i % 3 == 0) owned.push_back(std::make_unique<std::string>(strings.back() + "!"));
    queue.push_back(key);
    if (queue.size() > 1000) queue.pop_front();
    if (strings.size() > 20000) strings.erase(strings.begin(), strings.begin() + 10000);
    if (owned.size() > 5000) owned.pop_front();
  }
  std::string grown;
  for (int i = 0; i < 200000; ++i) grown += static_cast<char>('0' + i % 10);
  for (const auto& [k, v] : ordered) h = Mix(Mix(h, k), v.size());
  for (const auto& [k, v] : hashed) h += Mix(k.size(), v.size());  // order-independent
  for (const auto& s : strings) h = Mix(h, s.size());
  for (const auto& s : owned) h = Mix(h, s->size());
  for (uint64_t q : queue) h = Mix(h, q);
  return Mix(h, grown.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--which-malloc") == 0) {
    std::printf("malloc %s\n", ObjectOf(reinterpret_cast<void*>(&malloc)));
    std::printf("free %s\n", ObjectOf(reinterpret_cast<void*>(&free)));
    std::printf("operator_new %s\n",
                ObjectOf(reinterpret_cast<void*>(static_cast<void* (*)(size_t)>(&::operator new))));
    return 0;
  }
  uint64_t results[4] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([t, &results] { results[t] = Work(static_cast<uint64_t>(t)); });
  for (auto& t : threads) t.join();
  uint64_t h = 0;
  for (uint64_t r : results) h = Mix(h, r);
  std::printf("stl-workload %016llx\n", static_cast<unsigned long long>(h));
  return 0;
}
