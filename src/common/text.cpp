#include "common/text.hpp"

#include <algorithm>
#include <string>

namespace ocs {
namespace {

bool isContinuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

} // namespace

Utf8Lead utf8Lead(unsigned char c)
{
    if (c < 0x80)
        return {1, 0, 0};
    if (c >= 0xC2 && c <= 0xDF)
        return {2, 0x80, 0xBF};
    if (c == 0xE0)
        return {3, 0xA0, 0xBF}; // no overlong three-byte forms
    if (c == 0xED)
        return {3, 0x80, 0x9F}; // no surrogates
    if (c >= 0xE1 && c <= 0xEF)
        return {3, 0x80, 0xBF};
    if (c == 0xF0)
        return {4, 0x90, 0xBF}; // no overlong four-byte forms
    if (c >= 0xF1 && c <= 0xF3)
        return {4, 0x80, 0xBF};
    if (c == 0xF4)
        return {4, 0x80, 0x8F}; // nothing above U+10FFFF
    return {0, 0, 0};
}

bool isValidUtf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        const Utf8Lead lead = utf8Lead(static_cast<unsigned char>(text[i]));
        if (lead.length == 0 || text.size() - i < lead.length)
            return false;
        if (lead.length > 1) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            if (second < lead.secondMin || second > lead.secondMax)
                return false;
            for (std::size_t k = 2; k < lead.length; ++k) {
                if (!isContinuation(static_cast<unsigned char>(text[i + k])))
                    return false;
            }
        }
        i += lead.length;
    }
    return true;
}

bool hasControlCharacter(std::string_view text)
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7F)
            return true;
        // U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
        if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F &&
            isContinuation(static_cast<unsigned char>(text[i + 1])))
            return true;
    }
    return false;
}

Status validateField(std::string_view field, std::string_view value, std::size_t maxLength)
{
    const std::string name(field);
    if (value.empty())
        return makeError(ErrorCode::InvalidParameter, name, name + ": empty");
    if (value.size() > maxLength)
        return makeError(ErrorCode::InvalidParameter, name,
                         name + ": " + std::to_string(value.size()) + " bytes, limit " + std::to_string(maxLength));
    if (!isValidUtf8(value))
        return makeError(ErrorCode::InvalidParameter, name, name + ": not valid UTF-8");
    if (hasControlCharacter(value))
        return makeError(ErrorCode::InvalidParameter, name, name + ": control character");
    return {};
}

Status validateOptionalField(std::string_view field, std::string_view value, std::size_t maxLength)
{
    return value.empty() ? Status() : validateField(field, value, maxLength);
}

} // namespace ocs
