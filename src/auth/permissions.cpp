#include "auth/permissions.hpp"

#include <algorithm>

namespace ocs::auth {

// Exact match: whether backend names compare case-insensitively is for the
// backend configuration to decide, not for the permission check to guess.
bool Permissions::allowsBackend(std::string_view backend) const
{
    return std::any_of(backends.begin(), backends.end(),
                       [backend](const std::string& allowed) { return allowed == "*" || allowed == backend; });
}

bool Permissions::allowsEvent(EventType type) const
{
    return std::find(eventTypes.begin(), eventTypes.end(), type) != eventTypes.end();
}

} // namespace ocs::auth
