#include "benchmarks/json_lite.h"

#include <cstdlib>

namespace hakmem::bench {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<JsonValue> ParseDocument(std::string* error) {
    JsonValue value;
    if (!ParseValue(value, 0)) {
      *error = error_ + " at offset " + std::to_string(position_);
      return std::nullopt;
    }
    SkipSpace();
    if (position_ != text_.size()) {
      *error = "trailing characters at offset " + std::to_string(position_);
      return std::nullopt;
    }
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (position_ < text_.size() &&
           (text_[position_] == ' ' || text_[position_] == '\n' || text_[position_] == '\r' ||
            text_[position_] == '\t')) {
      ++position_;
    }
  }
  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  bool Consume(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }

  bool ParseValue(JsonValue& value, int depth) {
    if (depth > kMaxDepth) return Fail("nesting too deep");
    SkipSpace();
    if (position_ >= text_.size()) return Fail("unexpected end");
    const char c = text_[position_];
    if (c == '{') return ParseObject(value, depth);
    if (c == '[') return ParseArray(value, depth);
    if (c == '"') {
      value.kind = JsonValue::Kind::kString;
      return ParseString(value.text);
    }
    if (Consume("true")) {
      value.kind = JsonValue::Kind::kBool;
      value.boolean = true;
      return true;
    }
    if (Consume("false")) {
      value.kind = JsonValue::Kind::kBool;
      return true;
    }
    if (Consume("null")) return true;
    return ParseNumber(value);
  }

  bool ParseNumber(JsonValue& value) {
    const std::string rest(text_.substr(position_, 64));
    char* end = nullptr;
    value.number = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return Fail("expected a value");
    value.kind = JsonValue::Kind::kNumber;
    position_ += static_cast<size_t>(end - rest.c_str());
    return true;
  }

  bool ParseString(std::string& out) {
    ++position_;  // opening quote
    while (position_ < text_.size()) {
      const char c = text_[position_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position_ >= text_.size()) break;
      const char escaped = text_[position_++];
      switch (escaped) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (position_ + 4 > text_.size()) return Fail("short \\u escape");
          const unsigned code = static_cast<unsigned>(std::strtoul(std::string(text_.substr(position_, 4)).c_str(), nullptr, 16));
          position_ += 4;
          // Benchmark names are ASCII; anything else is kept as UTF-8 of the BMP code point.
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: out += escaped;
      }
    }
    return Fail("unterminated string");
  }

  bool ParseArray(JsonValue& value, int depth) {
    value.kind = JsonValue::Kind::kArray;
    ++position_;
    SkipSpace();
    if (Consume("]")) return true;
    for (;;) {
      value.items.emplace_back();
      if (!ParseValue(value.items.back(), depth + 1)) return false;
      SkipSpace();
      if (Consume("]")) return true;
      if (!Consume(",")) return Fail("expected , or ]");
    }
  }

  bool ParseObject(JsonValue& value, int depth) {
    value.kind = JsonValue::Kind::kObject;
    ++position_;
    SkipSpace();
    if (Consume("}")) return true;
    for (;;) {
      SkipSpace();
      if (position_ >= text_.size() || text_[position_] != '"') return Fail("expected a member name");
      std::string key;
      if (!ParseString(key)) return false;
      SkipSpace();
      if (!Consume(":")) return Fail("expected :");
      if (!ParseValue(value.members[key], depth + 1)) return false;
      SkipSpace();
      if (Consume("}")) return true;
      if (!Consume(",")) return Fail("expected , or }");
    }
  }

  std::string_view text_;
  size_t position_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  const auto it = members.find(std::string(key));
  return it == members.end() ? nullptr : &it->second;
}

std::optional<JsonValue> ParseJson(std::string_view text, std::string* error) {
  return Parser(text).ParseDocument(error);
}

}  // namespace hakmem::bench
