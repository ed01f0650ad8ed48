#include "benchmarks/text_escape.h"

#include <cstddef>

namespace hakmem::bench {
namespace {

struct Replacement {
  char from;
  std::string_view to;
};

constexpr Replacement kXmlEntities[] = {
    {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&apos;"},
};

constexpr Replacement kJsonEscapes[] = {
    {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"},
};

// What stands for `c` in `table`; empty when `c` stands for itself.
template <size_t N>
std::string_view ReplacementOf(char c, const Replacement (&table)[N]) {
  for (const Replacement& r : table) {
    if (r.from == c) return r.to;
  }
  return {};
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const std::string_view entity = ReplacementOf(c, kXmlEntities);
    if (entity.empty()) {
      out.push_back(c);
    } else {
      out.append(entity);
    }
  }
  return out;
}

std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (const char c : text) {
    const std::string_view escape = ReplacementOf(c, kJsonEscapes);
    const auto byte = static_cast<unsigned char>(c);
    if (!escape.empty()) {
      out.append(escape);
    } else if (byte < 0x20) {
      const char code[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
      out.append(code, sizeof code);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace hakmem::bench
