#include "queue/backends.hpp"

#include <algorithm>
#include <cctype>

namespace ocs::queue {
namespace {

std::string fill(const std::string& pattern, std::string_view user, std::string_view folder, std::string_view message)
{
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto close = pattern[i] == '{' ? pattern.find('}', i) : std::string::npos;
        if (close == std::string::npos) {
            out += pattern[i];
            continue;
        }
        const std::string_view name = std::string_view(pattern).substr(i + 1, close - i - 1);
        out += name == "user" ? user : name == "folder" ? folder : message;
        i = close;
    }
    return out;
}

} // namespace

Backends::Backends(std::vector<BackendConfig> backends) : backends_(std::move(backends)) {}

const BackendConfig* Backends::find(std::string_view name) const
{
    auto found = std::find_if(backends_.begin(), backends_.end(), [&](const BackendConfig& b) { return b.name == name; });
    return found == backends_.end() ? nullptr : &*found;
}

std::string Backends::userKey(const BackendConfig& backend, std::string_view user)
{
    std::string key(user);
    if (!backend.caseSensitive)
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

std::string Backends::folderUri(const BackendConfig& backend, std::string_view user, std::string_view folder)
{
    return fill(backend.folderUri, userKey(backend, user), folder, {});
}

std::string Backends::messageUri(const BackendConfig& backend, std::string_view user, std::string_view folder,
                                 std::string_view message)
{
    return fill(backend.messageUri, userKey(backend, user), folder, message);
}

} // namespace ocs::queue
