#include "daemon/log.hpp"

#include <cstdio>

namespace ocs::log {

std::string field(std::string_view text)
{
    constexpr std::size_t kMaxBytes = 128;
    if (text.empty())
        return "-";
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < kMaxBytes; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kMaxBytes)
        out += "...";
    return out;
}

} // namespace ocs::log
