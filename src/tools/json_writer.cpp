#include "tools/json_writer.hpp"

namespace ocs::tools {
namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629 table 3.7) at the
// start of `text`, or 0 when there is none.
std::size_t utf8SequenceLength(std::string_view text)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i, unsigned char low = 0x80, unsigned char high = 0xbf) {
        return i < text.size() && byte(i) >= low && byte(i) <= high;
    };
    const unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        return continuation(1) ? 2 : 0;
    if (lead >= 0xe0 && lead <= 0xef) {
        const unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;  // no overlong forms
        const unsigned char high = lead == 0xed ? 0x9f : 0xbf; // no surrogates
        return continuation(1, low, high) && continuation(2) ? 3 : 0;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        const unsigned char low = lead == 0xf0 ? 0x90 : 0x80;  // no overlong forms
        const unsigned char high = lead == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
    }
    return 0;
}

} // namespace

std::string jsonQuoted(std::string_view text)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "\"";
    while (!text.empty()) {
        const auto byte = static_cast<unsigned char>(text.front());
        const std::size_t length = utf8SequenceLength(text);
        if (length == 0) {
            out += "\\ufffd";
            text.remove_prefix(1);
            continue;
        }
        if (byte == '"' || byte == '\\') {
            out += '\\';
            out += static_cast<char>(byte);
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\u00";
            out += digits[byte >> 4];
            out += digits[byte & 0x0f];
        } else {
            out.append(text.substr(0, length));
        }
        text.remove_prefix(length);
    }
    return out + "\"";
}

void JsonWriter::separate()
{
    if (afterKey_) {
        afterKey_ = false;
        return;
    }
    if (levels_.empty())
        return;
    Level& level = levels_.back();
    if (levels_.size() == 1)
        out_ << (level.empty ? "\n  " : ",\n  ");
    else if (!level.empty)
        out_ << ", ";
    level.empty = false;
}

void JsonWriter::open(char opening, char closing)
{
    separate();
    out_ << opening;
    levels_.push_back({closing});
}

void JsonWriter::close()
{
    const Level level = levels_.back();
    levels_.pop_back();
    if (levels_.empty() && !level.empty)
        out_ << '\n';
    out_ << level.close;
    if (levels_.empty())
        out_ << '\n';
}

void JsonWriter::beginArray()
{
    open('[', ']');
}

void JsonWriter::endArray()
{
    close();
}

void JsonWriter::beginObject()
{
    open('{', '}');
}

void JsonWriter::endObject()
{
    close();
}

JsonWriter& JsonWriter::key(std::string_view name)
{
    separate();
    out_ << jsonQuoted(name) << ": ";
    afterKey_ = true;
    return *this;
}

void JsonWriter::value(std::string_view text)
{
    separate();
    out_ << jsonQuoted(text);
}

void JsonWriter::value(std::uint64_t number)
{
    separate();
    out_ << number;
}

void JsonWriter::value(std::int64_t number)
{
    separate();
    out_ << number;
}

void JsonWriter::value(bool flag)
{
    separate();
    out_ << (flag ? "true" : "false");
}

void JsonWriter::null()
{
    separate();
    out_ << "null";
}

void JsonWriter::value(const std::optional<std::uint32_t>& number)
{
    if (number)
        value(*number);
    else
        null();
}

} // namespace ocs::tools
