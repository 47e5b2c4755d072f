#include "common/encoding.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace ocs {
namespace {

std::size_t encodedLength(std::size_t size)
{
    return 4 * ((size + 2) / 3);
}

bool isBase64Character(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

std::size_t paddingOf(std::string_view text)
{
    std::size_t padding = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it)
        ++padding;
    return padding;
}

// EVP_DecodeBlock skips surrounding whitespace and reads '=' as zero bits
// anywhere; check the shape first so that it only sees well-formed input.
bool hasBase64Shape(std::string_view text)
{
    if (text.size() % 4 != 0)
        return false;
    const std::size_t padding = paddingOf(text);
    return padding <= 2 && std::all_of(text.begin(), text.end() - padding, isBase64Character);
}

} // namespace

std::string base64Encode(ByteView data)
{
    std::string out(encodedLength(data.size()) + 1, '\0'); // EVP_EncodeBlock writes a NUL
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<Bytes> base64Decode(std::string_view text)
{
    if (!hasBase64Shape(text))
        return std::nullopt;
    if (text.empty())
        return Bytes{};
    Bytes out(text.size() / 4 * 3);
    const int written =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (written < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    out.resize(static_cast<std::size_t>(written) - paddingOf(text));
    // Non-zero pad bits decode too; re-encoding shows them.
    if (base64Encode(out) != text)
        return std::nullopt;
    return out;
}

std::string base64UrlEncode(ByteView data)
{
    std::string text = base64Encode(data);
    text.erase(text.find_last_not_of('=') + 1);
    std::replace(text.begin(), text.end(), '+', '-');
    std::replace(text.begin(), text.end(), '/', '_');
    return text;
}

std::string hexEncode(ByteView data)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (std::uint8_t byte : data) {
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
    }
    return out;
}

} // namespace ocs
