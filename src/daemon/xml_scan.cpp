#include "daemon/xml_scan.hpp"

#include "common/text.hpp"

namespace ocs::daemon {
namespace {

using Verdict = XmlScan::Verdict;

constexpr std::size_t kLongestReference = 6; // characters after '&' that gSOAP reads
constexpr std::string_view kCommentOpen = "--";
constexpr std::string_view kCDataOpen = "[CDATA[";

int digitValue(char32_t c, bool hex)
{
    if (c >= '0' && c <= '9')
        return static_cast<int>(c - '0');
    if (hex && c >= 'a' && c <= 'f')
        return static_cast<int>(c - 'a' + 10);
    if (hex && c >= 'A' && c <= 'F')
        return static_cast<int>(c - 'A' + 10);
    return -1;
}

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.size() <= prefix.size() && prefix.substr(0, text.size()) == text;
}

} // namespace

Verdict XmlScan::feed(std::string_view bytes)
{
    for (const char byte : bytes) {
        if (verdict_ != Verdict::Acceptable)
            break;
        verdict_ = decode(static_cast<unsigned char>(byte));
    }
    return verdict_;
}

void XmlScan::reset()
{
    *this = XmlScan(maxDepth_);
}

// One byte of UTF-8; each complete character goes on to the markup.
Verdict XmlScan::decode(unsigned char byte)
{
    if (pending_ == 0) {
        const Utf8Lead lead = utf8Lead(byte);
        if (lead.length == 0)
            return Verdict::NotUtf8;
        if (lead.length == 1)
            return character(byte);
        pending_ = lead.length - 1;
        nextMin_ = lead.secondMin;
        nextMax_ = lead.secondMax;
        code_ = byte & (0xFFu >> (lead.length + 1));
        return Verdict::Acceptable;
    }
    if (byte < nextMin_ || byte > nextMax_)
        return Verdict::NotUtf8;
    nextMin_ = 0x80;
    nextMax_ = 0xBF;
    code_ = (code_ << 6) | (byte & 0x3Fu);
    return --pending_ > 0 ? Verdict::Acceptable : character(code_);
}

Verdict XmlScan::character(char32_t c)
{
    if (c == 0)
        return Verdict::Nul;
    return reference_ != Reference::None ? reference(c) : markup(c);
}

Verdict XmlScan::markup(char32_t c)
{
    switch (state_) {
    case Markup::Text:
        if (c == '<')
            state_ = Markup::TagOpen;
        else if (c == '&')
            reference_ = Reference::Amp;
        return Verdict::Acceptable;
    case Markup::TagOpen:
        if (c == '/') {
            state_ = Markup::EndTag;
            depth_ -= depth_ > 0 ? 1 : 0;
        } else if (c == '!') {
            state_ = Markup::Declaration;
            declared_.clear();
        } else if (c == '?') {
            state_ = Markup::Pi;
            run_ = 0;
        } else {
            state_ = Markup::StartTag;
            if (++depth_ > maxDepth_)
                return Verdict::TooDeep;
        }
        return Verdict::Acceptable;
    case Markup::StartTag:
        if (c == '"' || c == '\'') {
            quote_ = c;
            state_ = Markup::Quoted;
        } else if (c == '/') {
            state_ = Markup::EmptyTagEnd;
        } else if (c == '>') {
            state_ = Markup::Text;
        }
        return Verdict::Acceptable;
    case Markup::EmptyTagEnd:
        if (c != '>') {
            state_ = Markup::StartTag;
            return markup(c);
        }
        --depth_;
        state_ = Markup::Text;
        return Verdict::Acceptable;
    case Markup::Quoted:
        if (c == quote_)
            state_ = Markup::StartTag;
        else if (c == '&')
            reference_ = Reference::Amp;
        return Verdict::Acceptable;
    case Markup::EndTag:
        if (c == '>')
            state_ = Markup::Text;
        return Verdict::Acceptable;
    case Markup::Declaration:
        return declaration(c);
    case Markup::Comment:
        return closing(c, '-', 2); // "-->"
    case Markup::CData:
        return closing(c, ']', 2); // "]]>"
    case Markup::Pi:
        return closing(c, '?', 1); // "?>"
    }
    return Verdict::Acceptable;
}

// After "<!": a comment or a CDATA section; anything else declares a DTD.
Verdict XmlScan::declaration(char32_t c)
{
    if (c > 0x7F)
        return Verdict::Dtd;
    declared_.push_back(static_cast<char>(c));
    run_ = 0;
    if (declared_ == kCommentOpen)
        state_ = Markup::Comment;
    else if (declared_ == kCDataOpen)
        state_ = Markup::CData;
    else if (!startsWith(declared_, kCommentOpen) && !startsWith(declared_, kCDataOpen))
        return Verdict::Dtd;
    return Verdict::Acceptable;
}

// Inside a comment, CDATA section or processing instruction: ends at `count`
// marks followed by '>'.
Verdict XmlScan::closing(char32_t c, char32_t mark, std::size_t count)
{
    if (c == '>' && run_ >= count)
        state_ = Markup::Text;
    run_ = c == mark ? run_ + 1 : 0;
    return Verdict::Acceptable;
}

// After '&' in text or an attribute value. Named references are left to
// gSOAP; numeric ones must be short, well formed and not NUL.
Verdict XmlScan::reference(char32_t c)
{
    if (reference_ == Reference::Amp) {
        if (c != '#') {
            reference_ = Reference::None;
            return markup(c);
        }
        reference_ = Reference::Hash;
        referenceLength_ = 1;
        referenceValue_ = 0;
        return Verdict::Acceptable;
    }
    if (c == ';' && (reference_ == Reference::Decimal || reference_ == Reference::Hex)) {
        reference_ = Reference::None;
        return referenceValue_ != 0 ? Verdict::Acceptable : Verdict::Nul;
    }
    if (++referenceLength_ > kLongestReference)
        return Verdict::BadReference;
    if (reference_ == Reference::Hash && c == 'x') {
        reference_ = Reference::HexStart;
        return Verdict::Acceptable;
    }
    const bool hex = reference_ == Reference::HexStart || reference_ == Reference::Hex;
    const int digit = digitValue(c, hex);
    if (digit < 0)
        return Verdict::BadReference;
    referenceValue_ = referenceValue_ * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
    reference_ = hex ? Reference::Hex : Reference::Decimal;
    return Verdict::Acceptable;
}

const char* describe(XmlScan::Verdict verdict)
{
    switch (verdict) {
    case Verdict::Acceptable:
        break;
    case Verdict::NotUtf8:
        return "body is not valid UTF-8";
    case Verdict::Nul:
        return "NUL character";
    case Verdict::BadReference:
        return "malformed or overlong character reference";
    case Verdict::Dtd:
        return "DTD in request";
    case Verdict::TooDeep:
        return "nested deeper than limits.max_depth";
    }
    return "";
}

} // namespace ocs::daemon
