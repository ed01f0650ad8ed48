// Escaping text for the formats the reports write: XML (SVG text and
// attributes) and JSON strings. Shared by //benchmarks and //tools.
#ifndef HAKMEM_BENCHMARKS_TEXT_ESCAPE_H_
#define HAKMEM_BENCHMARKS_TEXT_ESCAPE_H_

#include <string>
#include <string_view>

namespace hakmem::bench {

// `text` with &, <, >, " and ' replaced by their XML entities; safe both as
// element text and inside a quoted attribute.
std::string XmlEscape(std::string_view text);

// `text` as a quoted JSON string: " and \ escaped, \n, \r and \t by their
// short forms, other control characters (below 0x20) as \u00XX. Other bytes,
// UTF-8 included, are copied as they are.
std::string JsonQuote(std::string_view text);

}  // namespace hakmem::bench

#endif  // HAKMEM_BENCHMARKS_TEXT_ESCAPE_H_
