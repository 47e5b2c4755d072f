// The configured storage backends and how their URIs are formed from a
// backend user, a folder and a message id.
#pragma once

#include "config/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ocs::queue {

class Backends {
public:
    explicit Backends(std::vector<BackendConfig> backends);

    // Exact match on the name; null when not configured.
    const BackendConfig* find(std::string_view name) const;

    // The user name as bindings and URIs hold it: folded to lower case
    // (ASCII) for a backend whose user names are case-insensitive.
    static std::string userKey(const BackendConfig& backend, std::string_view user);
    static std::string folderUri(const BackendConfig& backend, std::string_view user, std::string_view folder);
    static std::string messageUri(const BackendConfig& backend, std::string_view user, std::string_view folder,
                                  std::string_view message);

private:
    std::vector<BackendConfig> backends_;
};

} // namespace ocs::queue
