// Checks on a request body that gSOAP does not make, run on the bytes as they
// arrive (after TLS and gzip, in whatever pieces the reads deliver):
// - well-formed UTF-8 (RFC 3629). gSOAP reads a byte that starts no valid
//   sequence as Latin-1 and decodes overlong forms, so "\xC0\xAF" would reach
//   the field checks as a valid "/";
// - no NUL, literal or as a numeric reference: gSOAP keeps it, and it ends
//   the string, so "token&#0;junk" would read as "token". Other control
//   characters arrive intact, for the field checks to name the field;
// - numeric references well formed and short enough for gSOAP to read whole:
//   it reads at most 6 characters after '&' and turns what it cannot parse
//   into a NUL (&#x; ends the string, &#123456; becomes U+1E240 and ";");
// - no DTD: <!DOCTYPE or any other markup declaration is refused, so no
//   entity is ever declared, let alone expanded;
// - elements nested no deeper than limits.max_depth, also inside a header
//   block gSOAP skips without counting its depth.
// Comments, CDATA sections and processing instructions are skipped as XML
// defines them; the rest of the syntax is left to gSOAP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocs::daemon {

class XmlScan {
  public:
    enum class Verdict { Acceptable, NotUtf8, Nul, BadReference, Dtd, TooDeep };

    explicit XmlScan(std::size_t maxDepth) : maxDepth_(maxDepth) {}

    // Scans the next piece of the body. Once a piece is refused, every later
    // one is too, until reset().
    Verdict feed(std::string_view bytes);
    void reset();

  private:
    enum class Markup { Text, TagOpen, StartTag, EmptyTagEnd, Quoted, EndTag, Declaration, Comment, CData, Pi };
    enum class Reference { None, Amp, Hash, Decimal, HexStart, Hex };

    Verdict decode(unsigned char byte);
    Verdict character(char32_t c);
    Verdict markup(char32_t c);
    Verdict declaration(char32_t c);
    Verdict reference(char32_t c);
    Verdict closing(char32_t c, char32_t mark, std::size_t count);

    std::size_t maxDepth_;
    Verdict verdict_ = Verdict::Acceptable;
    // UTF-8: continuation bytes still expected, the range of the next one,
    // and the character decoded so far.
    std::size_t pending_ = 0;
    unsigned char nextMin_ = 0;
    unsigned char nextMax_ = 0;
    char32_t code_ = 0;
    // Markup.
    Markup state_ = Markup::Text;
    std::size_t depth_ = 0;
    char32_t quote_ = 0;
    std::string declared_; // what follows "<!" until it is a comment or CDATA
    std::size_t run_ = 0;  // closing marks seen in a row ("--", "]]", "?")
    // A numeric character reference being read.
    Reference reference_ = Reference::None;
    std::size_t referenceLength_ = 0;
    std::uint32_t referenceValue_ = 0;
};

// Why the scan refused the input, for the request's log line.
const char* describe(XmlScan::Verdict verdict);

} // namespace ocs::daemon
