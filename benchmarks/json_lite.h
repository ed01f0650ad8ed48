// A small JSON reader, enough for Google Benchmark's --benchmark_format=json.
#ifndef HAKMEM_BENCHMARKS_JSON_LITE_H_
#define HAKMEM_BENCHMARKS_JSON_LITE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hakmem::bench {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;                 // kArray
  std::map<std::string, JsonValue> members;     // kObject

  // The member `key` of an object, or nullptr.
  const JsonValue* Find(std::string_view key) const;
};

// nullopt (with `error` set) when `text` is not one complete JSON value.
std::optional<JsonValue> ParseJson(std::string_view text, std::string* error);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_JSON_LITE_H_
